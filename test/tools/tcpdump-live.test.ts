/** Random IPv6 frames printed by the installed tcpdump 4.99.3 and by our printer must read the same, line for line. */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { readPcap } from '../../src/wire/pcap.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { printPacketDetailed, printPcap } from '../../src/wire/tcpdump/print.js';
import { isTcpPortDecodedByTcpdump } from '../../src/wire/tcpdump/tcp.js';
import { isUdpPortDecodedByTcpdump } from '../../src/wire/tcpdump/udp.js';
import { firstDifference } from '../wire/tcpdump/first-difference.js';
import {
  ahHeader,
  be16,
  be32,
  bytes,
  espPacket,
  eth,
  filler,
  fragmentHeader,
  icmp6,
  ip6,
  optionsHeader,
  routingHeader,
  tcp,
  udp,
} from '../wire/tcpdump/packet-builder.js';
import { type ZooRecord, zooPcap } from '../wire/tcpdump/zoo.js';

const { HOPOPTS, TCP, UDP, ROUTING, FRAGMENT, ESP, AH, ICMPV6, DSTOPTS, IPV6 } = IPPROTO;

function tcpdumpVersion(): string | undefined {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}` : undefined;
}

const address = fc.oneof(
  fc.constantFrom('4321::1', '4321::2', 'fe80::a', 'ff02::1', '::', '::ffff:192.0.2.1', '::1.2.3.4', '2001:db8:0:0:1:0:0:1').map(ipv6),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);

/** `arb` one time in `1 + absent`, otherwise null: extension headers are the exception, not the rule. */
function sometimes<T>(arb: fc.Arbitrary<T>, absent = 4): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: absent }, { arbitrary: arb, weight: 1 });
}

const port = fc.integer({ min: 1, max: 65535 }).filter((p) => !isUdpPortDecodedByTcpdump(p) && !isTcpPortDecodedByTcpdump(p));
const payload = fc.uint8Array({ maxLength: 64 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

interface Ends {
  src: Uint8Array;
  dst: Uint8Array;
}

/** An upper-layer message for the given pseudo-header ends: [next header, bytes]. */
type Upper = (e: Ends) => [number, Uint8Array];

const ndOption = fc.oneof(
  fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({ minLength: 6, maxLength: 6 })).map(([t, mac]) => bytes(t, 1, mac)),
  u32.map((mtu) => bytes(5, 1, 0, 0, be32(mtu))),
  fc
    .tuple(fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 255 }), u32, u32, address)
    .map(([len, flags, v, p, a]) => bytes(3, 4, len, flags, be32(v), be32(p), be32(0), a)),
  fc.tuple(u32, fc.array(address, { maxLength: 2 })).map(([life, addrs]) => bytes(25, 1 + 2 * addrs.length, 0, 0, be32(life), ...addrs)),
  fc.tuple(fc.integer({ min: 200, max: 250 }), fc.uint8Array({ minLength: 6, maxLength: 6 })).map(([t, b]) => bytes(t, 1, b)),
);

const icmpUpper: fc.Arbitrary<Upper> = fc.oneof(
  fc.tuple(fc.constantFrom(128, 129), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), payload, fc.boolean()).map(
    ([type, id, seq, data, bad]) =>
      (e: Ends) =>
        [ICMPV6, icmp6(type, 0, bytes(be16(id), be16(seq), data), e.src, e.dst, bad)] as [number, Uint8Array],
  ),
  fc
    .tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 8 }),
      u32,
      address,
      address,
      port,
      port,
      fc.constantFrom(UDP, TCP, ICMPV6),
      fc.integer({ min: 0, max: 70 }),
    )
    .map(([type, code, word, s, d, sp, dp, nh, cut]) => (e: Ends) => {
      const inner =
        nh === UDP
          ? udp(sp, dp, filler(4), s, d)
          : nh === TCP
            ? tcp({ sport: sp, dport: dp, seq: 1, flags: 2 }, s, d)
            : icmp6(128, 0, be32(1), s, d);
      const invoking = ip6(nh, inner, { src: s, dst: d }).subarray(0, cut);
      return [ICMPV6, icmp6(type, code, bytes(be32(word), invoking), e.src, e.dst)] as [number, Uint8Array];
    }),
  fc
    .tuple(fc.constantFrom(133, 134, 135, 136, 137), fc.uint8Array({ minLength: 36, maxLength: 36 }), fc.array(ndOption, { maxLength: 4 }))
    .map(([type, fixed, opts]) => (e: Ends) => {
      const fixedLen = { 133: 4, 134: 12, 135: 20, 136: 20, 137: 36 }[type as 133 | 134 | 135 | 136 | 137];
      return [ICMPV6, icmp6(type, 0, bytes(fixed.subarray(0, fixedLen), ...opts), e.src, e.dst)] as [number, Uint8Array];
    }),
  fc.tuple(fc.constantFrom(130, 131, 132), fc.integer({ min: 0, max: 65535 }), address).map(
    ([type, delay, group]) =>
      (e: Ends) =>
        [ICMPV6, icmp6(type, 0, bytes(be16(delay), 0, 0, group), e.src, e.dst)] as [number, Uint8Array],
  ),
  fc
    .tuple(
      fc.integer({ min: 0, max: 65535 }),
      address,
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.array(address, { maxLength: 3 }),
    )
    .map(
      ([mrc, group, s, q, srcs]) =>
        (e: Ends) =>
          [ICMPV6, icmp6(130, 0, bytes(be16(mrc), 0, 0, group, s, q, be16(srcs.length), ...srcs), e.src, e.dst)] as [number, Uint8Array],
    ),
  fc
    .array(fc.tuple(fc.integer({ min: 1, max: 7 }), address, fc.array(address, { maxLength: 2 })), { maxLength: 3 })
    .map((recs) => (e: Ends) => {
      const body = recs.map(([t, g, s]) => bytes(t, 0, be16(s.length), g, ...s));
      return [ICMPV6, icmp6(143, 0, bytes(0, 0, be16(recs.length), ...body), e.src, e.dst)] as [number, Uint8Array];
    }),
  fc.tuple(fc.constantFrom(141, 142, 144, 145, 146, 147, 200, 201, 250), fc.integer({ min: 0, max: 255 }), payload).map(
    ([type, code, data]) =>
      (e: Ends) =>
        [ICMPV6, icmp6(type, code, data, e.src, e.dst)] as [number, Uint8Array],
  ),
);

const tcpOption = fc.oneof(
  fc.integer({ min: 0, max: 65535 }).map((mss) => bytes(2, 4, be16(mss))),
  fc.integer({ min: 0, max: 14 }).map((ws) => bytes(3, 3, ws)),
  fc.constant(bytes(4, 2)),
  fc.constant(bytes(1)),
  fc.tuple(u32, u32).map(([v, e]) => bytes(8, 10, be32(v), be32(e))),
  fc
    .array(fc.tuple(u32, u32), { minLength: 1, maxLength: 3 })
    .map((blocks) => bytes(5, 2 + 8 * blocks.length, ...blocks.map(([s, e]) => bytes(be32(s), be32(e))))),
  fc.integer({ min: 0, max: 65535 }).map((u) => bytes(28, 4, be16(u))),
);

const transportUpper: fc.Arbitrary<Upper> = fc.oneof(
  fc.tuple(port, port, payload, fc.boolean()).map(
    ([sp, dp, data, bad]) =>
      (e: Ends) =>
        [UDP, udp(sp, dp, data, e.src, e.dst, { bad })] as [number, Uint8Array],
  ),
  fc
    .tuple(
      port,
      port,
      u32,
      u32,
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 65535 }),
      fc.array(tcpOption, { maxLength: 5 }),
      payload,
      fc.boolean(),
    )
    .map(([sp, dp, seq, ack, flags, urp, opts, data, bad]) => (e: Ends) => {
      let options = bytes(...opts);
      options = bytes(options, new Array<number>((4 - (options.length % 4)) % 4).fill(0));
      if (options.length > 40) options = options.subarray(0, 40);
      const seg = tcp({ sport: sp, dport: dp, seq, ack, flags, urp, options, payload: data, bad }, e.src, e.dst);
      return [TCP, seg] as [number, Uint8Array];
    }),
);

/** A whole frame: optional extension headers, AH, a tunnel, then an upper layer or ESP. */
const frame = fc
  .record({
    src: address,
    dst: address,
    hlim: fc.integer({ min: 0, max: 255 }),
    trafficClass: fc.integer({ min: 0, max: 255 }),
    flowLabel: fc.integer({ min: 0, max: 0xfffff }),
    hbh: sometimes(fc.constantFrom(bytes(5, 2, 0, 0), bytes(0x3e, 4, 1, 2, 3, 4), bytes(1, 0), bytes(0, 0, 0))),
    dstopts: sometimes(fc.constantFrom(bytes(1, 2, 0, 0), bytes(0x1e, 1, 9))),
    routing: sometimes(fc.tuple(fc.constantFrom(0, 2), fc.array(address, { minLength: 1, maxLength: 2 }))),
    frag: sometimes(fc.tuple(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 8191 })), fc.boolean(), u32)),
    ah: sometimes(fc.tuple(u32, u32, fc.constantFrom(0, 12, 16, 20))),
    tunnel: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    esp: sometimes(fc.tuple(u32, u32, payload)),
    upper: fc.oneof(icmpUpper, transportUpper),
    cut: sometimes(fc.integer({ min: 0, max: 200 })),
    // One byte of the upper layer past its ports overwritten: malformed lengths, options, records.
    flip: sometimes(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), 2),
  })
  .map((p) => {
    const outerEnds: Ends = { src: p.src, dst: p.routing ? p.routing[1].at(-1)! : p.dst };
    let nh: number;
    let body: Uint8Array;
    let upperLength = 0;
    if (p.esp) {
      [nh, body] = [ESP, espPacket(p.esp[0], p.esp[1], p.esp[2])];
    } else if (p.tunnel) {
      const [inh, ib] = p.upper({ src: p.dst, dst: p.src });
      [nh, body] = [IPV6, ip6(inh, ib, { src: p.dst, dst: p.src })];
      upperLength = ib.length;
    } else {
      [nh, body] = p.upper(outerEnds);
      upperLength = body.length;
    }
    if (p.ah) [nh, body] = [AH, bytes(ahHeader(nh, p.ah[0], p.ah[1], filler(p.ah[2], 0x90)), body)];
    if (p.frag) [nh, body] = [FRAGMENT, bytes(fragmentHeader(nh, p.frag[0], p.frag[1], p.frag[2]), body)];
    if (p.routing) [nh, body] = [ROUTING, bytes(routingHeader(nh, p.routing[0], p.routing[1].length, p.routing[1]), body)];
    if (p.dstopts) [nh, body] = [DSTOPTS, bytes(optionsHeader(nh, p.dstopts), body)];
    if (p.hbh) [nh, body] = [HOPOPTS, bytes(optionsHeader(nh, p.hbh), body)];
    const data = eth(ip6(nh, body, { src: p.src, dst: p.dst, hlim: p.hlim, trafficClass: p.trafficClass, flowLabel: p.flowLabel }));
    if (p.flip && upperLength > 4) data[data.length - upperLength + 4 + (p.flip[0] % (upperLength - 4))] = p.flip[1];
    return p.cut === null
      ? { data, origLength: data.length }
      : { data: data.slice(0, Math.min(data.length, p.cut)), origLength: data.length };
  });

const run = fc
  .array(frame, { minLength: 1, maxLength: 25 })
  .map((frames): ZooRecord[] =>
    frames.map((f, i) => ({ timeUs: 1_700_000_000_000_000 + i * 1_234_567, data: f.data, origLength: f.origLength })),
  );

/** Every whole frame of the fixture pcaps: the kernel's captures and the zoo. */
function fixtureFrames(): Uint8Array[] {
  const dir = fileURLToPath(new URL('../fixtures/pcap', import.meta.url));
  const frames: Uint8Array[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.pcap'))
    .sort()) {
    const parsed = readPcap(new Uint8Array(readFileSync(join(dir, name))));
    if (!parsed.ok) continue;
    for (const r of parsed.value.records) if (r.data.length === r.origLength && r.data.length > 14) frames.push(r.data);
  }
  return frames;
}

/** Values a changed byte takes besides random ones: next headers, ICMPv6 types, option types, lengths. */
const INTERESTING_BYTES = [0, 1, 2, 3, 4, 5, 6, 8, 17, 41, 43, 44, 50, 51, 58, 59, 60, 62, 108, 128, 129, 133, 134, 135, 136, 138, 139];
const MORE_BYTES = [140, 143, 155, 0x7f, 0x80, 0xc0, 0xc2, 0xc9, 0xff];

/** A fixture frame with a few bytes after the Ethernet header changed, sometimes cut short. */
function mutatedFrames(pool: readonly Uint8Array[]) {
  const change = fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...INTERESTING_BYTES, ...MORE_BYTES)));
  return fc
    .record({ pick: fc.nat(), changes: fc.array(change, { minLength: 1, maxLength: 4 }), cut: sometimes(fc.nat(), 3) })
    .map(({ pick, changes, cut }) => {
      const data = pool[pick % pool.length]!.slice();
      // Headers live near the front: most changes land in the first 120 bytes after Ethernet.
      for (const [at, value] of changes) data[14 + (at % Math.min(data.length - 14, at % 4 === 0 ? data.length : 120))] = value;
      return cut === null ? { data, origLength: data.length } : { data: data.slice(0, 1 + (cut % data.length)), origLength: data.length };
    });
}

const MODES = [
  { flags: ['-n'], verbosity: 0, linkHeader: false },
  { flags: ['-n', '-v'], verbosity: 1, linkHeader: false },
  { flags: ['-n', '-vv'], verbosity: 2, linkHeader: false },
  { flags: ['-n', '-e'], verbosity: 0, linkHeader: true },
] as const;

describe('printPcap() against the installed tcpdump', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'xfrmsim-tcpdump-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** tcpdump's text for these records, and ours. */
  function printBoth(records: ZooRecord[], mode: (typeof MODES)[number]): { expected: string; actual: string } {
    const file = join(dir, 'random.pcap');
    const pcap = zooPcap(records);
    writeFileSync(file, pcap);
    const expected = execFileSync('tcpdump', [...mode.flags, '-r', file], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { expected, actual: printPcap(pcap, { verbosity: mode.verbosity, linkHeader: mode.linkHeader }) };
  }

  it('finds tcpdump 4.99.3 installed (apt-get install tcpdump)', () => {
    const version = tcpdumpVersion();
    expect(version, 'tcpdump is not installed: apt-get install tcpdump').toBeDefined();
    expect(version).toContain('tcpdump version 4.99.3');
  });

  for (const mode of MODES) {
    it(`prints random frames as tcpdump ${mode.flags.join(' ')} does`, () => {
      expect(tcpdumpVersion(), 'tcpdump is not installed: apt-get install tcpdump').toBeDefined();
      fc.assert(
        fc.property(run, (generated) => {
          // A random TCP option can be MPTCP's, whose contents tcpdump decodes and we do not
          // (printPacketDetailed says so): such frames are left out, as below.
          const records = generated.filter(
            (r) => printPacketDetailed(r.data, { ...r, verbosity: mode.verbosity, linkHeader: mode.linkHeader }).unmodelled === undefined,
          );
          fc.pre(records.length > 0);
          const { expected, actual } = printBoth(records, mode);
          expect(firstDifference(expected, actual)).toBeUndefined();
        }),
        { numRuns: 150 },
      );
    });
  }

  const pool = fixtureFrames();
  for (const mode of MODES) {
    it(`prints recorded frames with bytes changed as tcpdump ${mode.flags.join(' ')} does, where we model the protocols`, () => {
      expect(tcpdumpVersion(), 'tcpdump is not installed: apt-get install tcpdump').toBeDefined();
      expect(pool.length).toBeGreaterThan(300);
      fc.assert(
        fc.property(fc.array(mutatedFrames(pool), { minLength: 1, maxLength: 30 }), (frames) => {
          // Frames where tcpdump would run a decoder we do not have (GRE, DNS, ARP, ...) are left out.
          const records = frames
            .map((f, i) => ({ timeUs: 1_700_000_000_000_000 + i * 1_001, ...f }))
            .filter(
              (r) => printPacketDetailed(r.data, { ...r, verbosity: mode.verbosity, linkHeader: mode.linkHeader }).unmodelled === undefined,
            );
          fc.pre(records.length > 0);
          const { expected, actual } = printBoth(records, mode);
          expect(firstDifference(expected, actual)).toBeUndefined();
        }),
        { numRuns: 150 },
      );
    });
  }
});
