/** Cases 1 and 2: ICMPv6 echoes through an ESP tunnel a -> r -> b, and the bare crypto of the same packets. */

import { addAddress, ip6SendLocal, PingSocket, parseIpv6Address, prepareAuth, prepareCipher, World } from '../dist/index.js';
import { makeSelector } from '../dist/xfrm/selector.js';

const ip = (text) => {
  const r = parseIpv6Address(text);
  if (!r.ok) throw new Error(`bad address ${text}`);
  return r.value;
};

export const A = ip('2001:db8:1::2');
export const R1 = ip('2001:db8:1::1');
export const R2 = ip('2001:db8:2::1');
export const B = ip('2001:db8:2::2');

export const ENC_KEY = new Uint8Array(16).fill(0x11);
export const AUTH_KEY = new Uint8Array(20).fill(0x22);

/**
 * Bytes an echo with `payload` data bytes takes on the wire in tunnel mode: outer IPv6 40, ESP
 * header 8, IV 16, the inner packet (IPv6 40 + ICMPv6 8 + payload) plus the pad-length and
 * next-header bytes padded to 16, ICV 12 (hmac(sha1) truncated to 96 bits).
 */
export function espSizes(payload) {
  const plain = Math.ceil((40 + 8 + payload + 2) / 16) * 16;
  return { plain, authed: 8 + 16 + plain, wire: 40 + 8 + 16 + plain + 12 };
}

function node(world, name) {
  const h = world.addHost(name);
  h.setLinkUp('lo', true);
  for (const scope of ['default', 'all']) {
    h.setSysctl(scope, 'router_solicitations', 0);
    h.setSysctl(scope, 'accept_dad', 0);
  }
  h.setSysctl('default', 'accept_ra', 0);
  return h;
}

function link(world, a, ifa, b, ifb) {
  world.addVeth(a, ifa, b, ifb);
  world.host(a).setLinkUp(ifa, true);
  world.host(b).setLinkUp(ifb, true);
}

function defaultRoute(host, via) {
  host.fib.add({ type: 'unicast', dst: ip('::'), prefixLen: 0, table: 254, metric: 1024, via, dev: 'eth0', protocol: 'boot' });
}

function state(src, dst, spi) {
  return {
    family: 'inet6',
    saddr: src,
    daddr: dst,
    spi,
    proto: 'esp',
    mode: 'tunnel',
    reqid: 1,
    replayWindow: 32,
    enc: { name: 'cbc(aes)', key: ENC_KEY },
    auth: { name: 'hmac(sha1)', key: AUTH_KEY },
  };
}

function policy(src, dst, dir) {
  return {
    selector: makeSelector({ family: 'inet6', src, dst, prefixlenS: 128, prefixlenD: 128 }),
    dir,
    tmpls: [{ proto: 'esp', mode: 'tunnel', reqid: 1, spi: 0, level: 'required', src, dst }],
  };
}

/** a [2001:db8:1::2] -- r (forwarding) -- b [2001:db8:2::2]; an ESP tunnel a <-> b that r only forwards. */
export function espTunnelWorld() {
  const w = new World({ seed: 'bench' });
  const a = node(w, 'a');
  const r = node(w, 'r');
  const b = node(w, 'b');
  link(w, 'a', 'eth0', 'r', 'eth0');
  link(w, 'r', 'eth1', 'b', 'eth0');
  addAddress(a, 'eth0', A, 64, { nodad: true });
  addAddress(r, 'eth0', R1, 64, { nodad: true });
  addAddress(r, 'eth1', R2, 64, { nodad: true });
  addAddress(b, 'eth0', B, 64, { nodad: true });
  r.setSysctl('all', 'forwarding', 1);
  defaultRoute(a, R1);
  defaultRoute(b, R2);
  for (const h of [a, b]) {
    h.xfrm.sad.add(state(A, B, 0x1001), 0);
    h.xfrm.sad.add(state(B, A, 0x1002), 0);
  }
  a.xfrm.spd.add(policy(A, B, 'out'));
  a.xfrm.spd.add(policy(B, A, 'in'));
  b.xfrm.spd.add(policy(B, A, 'out'));
  b.xfrm.spd.add(policy(A, B, 'in'));
  return w;
}

/** The SA of `host` with this SPI (to read its packet counters). */
export function saOf(host, spi) {
  return host.xfrm.sad.list().find((s) => s.spi === spi);
}

/**
 * A pinger that sends `count` echoes of `payload` bytes one after the other, each answered before
 * the next (the virtual clock runs 1 ms per echo), and returns how many replies came back.
 */
export function makePinger(world, payload) {
  const a = world.host('a');
  const sock = new PingSocket(a, B, 4242);
  let seq = 0;
  return (count) => {
    sock.events.length = 0;
    sock.sentAt.clear();
    for (let i = 0; i < count; i++) {
      seq = (seq + 1) & 0xffff;
      sock.send(seq, { size: payload });
      world.clock.runUntil(world.clock.nowUs + 1000);
    }
    let replies = 0;
    for (const e of sock.events) if (e.kind === 'reply') replies++;
    return replies;
  };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Packets per second (two per echo: the request and the reply, each encrypted, forwarded,
 * decrypted and delivered): median of `runs` runs of `count` echoes after a warm-up.
 */
export function benchEsp({ payload, trace, count, runs }) {
  const world = espTunnelWorld();
  world.trace.enabled = trace;
  const pinger = makePinger(world, payload);
  const warm = pinger(Math.max(200, count >> 2));
  if (warm === 0) throw new Error(`ESP bench: no echo reply with ${payload}-byte payload`);
  const rates = [];
  for (let r = 0; r < runs; r++) {
    world.trace.events.length = 0;
    const t0 = process.hrtime.bigint();
    const replies = pinger(count);
    const ns = Number(process.hrtime.bigint() - t0);
    if (replies !== count) throw new Error(`ESP bench: ${replies} replies of ${count}`);
    rates.push((2 * count * 1e9) / ns);
  }
  world.trace.events.length = 0;
  return { pps: median(rates), runs: rates };
}

/**
 * The crypto alone for one packet of the same size, as the tunnel does it: AES-CBC encrypt and
 * HMAC-SHA1-96 compute at the sender, HMAC verify and AES-CBC decrypt at the receiver.
 * Keys are prepared once, as an SA prepares them.
 */
export function benchBareCrypto({ payload, count, runs }) {
  const { plain, authed } = espSizes(payload);
  const cipher = prepareCipher('cbc(aes)', ENC_KEY);
  const auth = prepareAuth('hmac(sha1)', AUTH_KEY);
  const iv = new Uint8Array(16).fill(7);
  const header = new Uint8Array(8).fill(1);
  const data = new Uint8Array(plain).fill(0x5a);
  const one = () => {
    const ct = cipher.encrypt(iv, data);
    const icv = auth.mac(header, iv, ct);
    if (!auth.verify([header, iv, ct], icv)) throw new Error('bare crypto: ICV mismatch');
    return cipher.decrypt(iv, ct);
  };
  for (let i = 0; i < Math.max(500, count >> 2); i++) one();
  const rates = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) one();
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push((count * 1e9) / ns);
  }
  return { pps: median(rates), runs: rates, plain, authed };
}

export { ip6SendLocal, median };
