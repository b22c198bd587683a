/** Case 4: SPD and SAD lookup cost as the databases grow (seeded, reproducible). */

import { SadIndexed, SpdIndexed, SpdLinear } from '../dist/index.js';
import { makeSelector } from '../dist/xfrm/selector.js';

/** mulberry32: a small seeded generator, so every run builds the same databases. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An address in 2001:db8::/32 with the other 96 bits random. */
function randomAddr(rand) {
  const a = new Uint8Array(16);
  a[0] = 0x20;
  a[1] = 0x01;
  a[2] = 0x0d;
  a[3] = 0xb8;
  for (let i = 4; i < 16; i++) a[i] = Math.floor(rand() * 256);
  return a;
}

/** `addr` with the bits after `prefixlen` replaced by random ones: a host inside that prefix. */
function inside(rand, addr, prefixlen) {
  const a = randomAddr(rand);
  for (let bit = 0; bit < prefixlen; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    a[byte] = (a[byte] & ~mask) | (addr[byte] & mask);
  }
  return a;
}

const pick = (rand, xs) => xs[Math.floor(rand() * xs.length)];

/**
 * `n` out policies: half exact (/128 both ways, hashed), half prefix selectors (dst /48, /56, /64
 * or /96; src /0, /48 or /64), priorities random in 0..999. Returns the policies' selectors too,
 * for flows that hit them.
 */
export function buildSpd(Impl, n, seed = 1) {
  const rand = rng(seed);
  const spd = new Impl();
  const selectors = [];
  for (let i = 0; i < n; i++) {
    const exact = rand() < 0.5;
    const prefixlenD = exact ? 128 : pick(rand, [48, 56, 64, 96]);
    const prefixlenS = exact ? 128 : pick(rand, [0, 48, 64]);
    const sel = makeSelector({ family: 'inet6', src: randomAddr(rand), dst: randomAddr(rand), prefixlenS, prefixlenD });
    spd.add({ selector: sel, dir: 'out', priority: Math.floor(rand() * 1000), tmpls: [] });
    selectors.push(sel);
  }
  return { spd, selectors };
}

/** Flows: 45% to an exact policy, 45% inside a prefix policy, 10% matching nothing in particular. */
export function flowsFor(selectors, count, seed = 2) {
  const rand = rng(seed);
  const flows = [];
  for (let i = 0; i < count; i++) {
    const u = rand();
    const sel = pick(rand, selectors);
    const src = u < 0.9 ? inside(rand, sel.src, sel.prefixlenS) : randomAddr(rand);
    const dst = u < 0.9 ? inside(rand, sel.dst, sel.prefixlenD) : randomAddr(rand);
    flows.push({ family: 'inet6', src, dst, proto: 58, sport: 128, dport: 0, oif: 0, mark: 0, ifId: 0 });
  }
  return flows;
}

/** Nanoseconds per call of `fn(i)` over `iterations` calls, median of `runs` after a warm-up. */
export function nsPer(fn, iterations, runs = 5) {
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += fn(i) ? 1 : 0;
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += fn(i) ? 1 : 0;
    times.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  times.sort((x, y) => x - y);
  return { ns: times[times.length >> 1], hits: sink };
}

export function benchSpd(kind, n, iterations) {
  const { spd, selectors } = buildSpd(kind === 'linear' ? SpdLinear : SpdIndexed, n);
  const flows = flowsFor(selectors, 4096);
  const mask = flows.length - 1;
  const r = nsPer((i) => spd.lookup('out', 'main', flows[i & mask]), iterations);
  return { ns: r.ns, hitRate: r.hits / (iterations * 6) };
}

/**
 * `n` inbound ESP states with random destinations and distinct random SPIs. The null cipher
 * (`enc ecb(cipher_null)`, no auth) keeps a million of them within memory: the lookup never
 * touches the algorithms.
 */
export function buildSad(n, seed = 3) {
  const rand = rng(seed);
  const sad = new SadIndexed();
  const keys = [];
  const spis = new Set();
  const nullKey = new Uint8Array(0);
  for (let i = 0; i < n; i++) {
    let spi;
    do spi = 0x100 + Math.floor(rand() * 0xfffffe00);
    while (spis.has(spi));
    spis.add(spi);
    const daddr = randomAddr(rand);
    sad.add(
      {
        family: 'inet6',
        saddr: randomAddr(rand),
        daddr,
        spi,
        proto: 'esp',
        mode: 'transport',
        enc: { name: 'ecb(cipher_null)', key: nullKey },
      },
      0,
    );
    if (keys.length < 4096) keys.push({ family: 'inet6', daddr, spi, proto: 'esp', mark: 0 });
  }
  return { sad, keys };
}

export function benchSad(n, iterations) {
  const t0 = process.hrtime.bigint();
  const { sad, keys } = buildSad(n);
  const buildS = Number(process.hrtime.bigint() - t0) / 1e9;
  const mask = keys.length - 1;
  const r = nsPer((i) => sad.lookupInbound(keys[i & mask]), iterations);
  if (r.hits !== iterations * 6) throw new Error('SAD bench: a lookup missed its own SA');
  return { ns: r.ns, buildS };
}
