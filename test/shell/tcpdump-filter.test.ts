import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileFilter } from '../../src/shell/tcpdump-filter.js';
import { fromHex } from '../../src/wire/hex.js';
import { readPcap } from '../../src/wire/pcap.js';

// Recorded once with tools/record-tcpdump-filters.py: tcpdump 4.99.3 / libpcap 1.10.3,
// `tcpdump -n -r PCAP -w OUT FILTER` over every pcap in test/fixtures/pcap.
interface Recorded {
  readonly packets: Record<string, number>;
  readonly selections: Record<string, Record<string, string>>;
  readonly errors: Record<string, { readonly stderr: string; readonly exitCode: number }>;
}
const RECORDED = JSON.parse(readFileSync(new URL('../fixtures/shell/tcpdump/filters.json', import.meta.url), 'utf8')) as Recorded;

function frames(name: string): readonly Uint8Array[] {
  const r = readPcap(new Uint8Array(readFileSync(new URL(`../fixtures/pcap/${name}`, import.meta.url))));
  if (!r.ok) throw new Error(`${name}: ${r.error.detail}`);
  return r.value.records.map((x) => x.data);
}
const PCAPS = Object.keys(RECORDED.packets).map((name) => ({ name, frames: frames(name) }));

/** The recorder's encoding: packet i selected <=> bit (3 - i % 4) of hex digit i / 4. */
function selectedBits(hex: string | undefined, n: number): string {
  let bits = '';
  for (let i = 0; i < n; i++) {
    const digit = hex === undefined ? 0 : Number.parseInt(hex[i >> 2]!, 16);
    bits += (digit >> (3 - (i % 4))) & 1 ? '1' : '0';
  }
  return bits;
}

function mustCompile(expr: string): (frame: Uint8Array) => boolean {
  const c = compileFilter(expr === '' ? [] : [expr]);
  if (!c.ok) throw new Error(`${expr}: ${c.error}`);
  return c.match;
}

describe('compileFilter() selects what tcpdump 4.99.3 selects', () => {
  test.each(Object.keys(RECORDED.selections))('%s, in every fixture pcap', (expr) => {
    const match = mustCompile(expr);
    for (const { name, frames } of PCAPS) {
      const want = selectedBits(RECORDED.selections[expr]![name], frames.length);
      const got = frames.map((f) => (match(f) ? '1' : '0')).join('');
      expect(got, name).toBe(want);
    }
  });

  test('the recording covers ICMPv6 behind a hop-by-hop header, AH, ESP, fragments and TCP/UDP ports', () => {
    const count = (expr: string) => Object.values(RECORDED.selections[expr] ?? {}).length;
    for (const expr of ['ip6 proto 0', 'ah', 'esp', 'ip6 proto 44', 'tcp port 7777', 'udp port 7777'])
      expect(count(expr)).toBeGreaterThan(0);
  });
});

describe('compileFilter() refuses what tcpdump 4.99.3 refuses, in its words', () => {
  test.each(Object.entries(RECORDED.errors))('%s', (expr, want) => {
    const c = compileFilter([expr]);
    if (want.exitCode === 0) {
      expect(c.ok).toBe(true);
    } else {
      expect(c.ok).toBe(false);
      if (!c.ok) {
        expect(c.notModelled).toBeUndefined();
        expect(`tcpdump: ${c.error}`).toBe(want.stderr);
      }
    }
  });
});

describe('compileFilter() on what it does not model', () => {
  test.each([
    'vlan',
    'tcp[13] & 2 != 0',
    'ip6[6] == 58',
    'host foo',
    'port ssh',
    'portrange 1-2',
    'ip6 protochain 6',
    'ether broadcast',
    'less 100',
    'net 10.0.0.0/8',
  ])('%s is reported as not modelled, never compiled to a guess', (expr) => {
    const c = compileFilter([expr]);
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.notModelled).toBeDefined();
      expect(c.error).toMatch(/^xfrmsim: tcpdump filter .*: not modelled$/);
    }
  });
});

describe('compileFilter() details', () => {
  test('no expression matches every frame, even an empty one', () => {
    const match = mustCompile('');
    expect(match(new Uint8Array(0))).toBe(true);
  });

  test('the words of argv are joined with spaces, as tcpdump copy_argv does', () => {
    const split = compileFilter(['host', '4321::1', 'and', 'not', 'esp']);
    const joined = compileFilter(['host 4321::1 and not esp']);
    expect(split.ok && joined.ok).toBe(true);
    if (split.ok && joined.ok) for (const { frames } of PCAPS) for (const f of frames) expect(split.match(f)).toBe(joined.match(f));
  });

  // An IPv6 header announcing TCP with no TCP header behind it. In BPF a load past the end of
  // the packet returns 0 from the whole program. Checked with tcpdump 4.99.3 -r on this frame:
  // `tcpdump -O` (no optimizer) selects it for ip6, tcp and "tcp or port 80" only; the optimizer
  // also selects it for "port 80 or tcp" (it tests tcp first), which `test` flags.
  const tcpNoHeader = fromHex(
    '333300000001' +
      '020000000001' +
      '86dd' +
      '60000000' +
      '0000' +
      '06' +
      '40' +
      '00000000000000000000000000000001' +
      'ff020000000000000000000000000001',
  );

  test('a load past the end of the frame rejects the frame even under "not", as tcpdump -O does', () => {
    expect(tcpNoHeader.length).toBe(54);
    expect(mustCompile('ip6')(tcpNoHeader)).toBe(true);
    expect(mustCompile('tcp')(tcpNoHeader)).toBe(true);
    expect(mustCompile('port 80')(tcpNoHeader)).toBe(false);
    expect(mustCompile('not port 80')(tcpNoHeader)).toBe(false);
    expect(mustCompile('tcp or port 80')(tcpNoHeader)).toBe(true);
    expect(mustCompile('port 80 or tcp')(tcpNoHeader)).toBe(false);
  });

  test('test() tells a read past the end apart from a plain mismatch', () => {
    const c = compileFilter(['port 80 or tcp']);
    expect(c.ok && c.test(tcpNoHeader)).toBe('out-of-bounds');
    const d = compileFilter(['udp']);
    expect(d.ok && d.test(tcpNoHeader)).toBe(false);
  });

  test('"and" and "or" have one precedence and group from the left', () => {
    const leftFirst = mustCompile('(icmp6 or tcp) and host 4321::1');
    const written = mustCompile('icmp6 or tcp and host 4321::1');
    for (const { frames } of PCAPS) for (const f of frames) expect(written(f)).toBe(leftFirst(f));
  });
});

describe('compileFilter() properties', () => {
  const PRIMITIVES = ['icmp6', 'esp', 'ah', 'tcp', 'udp', 'host 4321::1', 'dst net ff02::/16', 'port 7777', 'ip6 proto 0', 'src 4321::2'];
  const allFrames = PCAPS.flatMap((p) => p.frames);
  const frame = fc.tuple(fc.constantFrom(...allFrames), fc.nat(), fc.nat(255), fc.nat()).map(([f, at, byte, cut]) => {
    const g = f.slice(0, Math.max(0, f.length - (cut % 24)));
    if (g.length > 0) g[at % g.length] = byte;
    return g;
  });

  test('De Morgan holds, truncated and corrupted frames included', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRIMITIVES), fc.constantFrom(...PRIMITIVES), frame, (a, b, f) => {
        expect(mustCompile(`not (${a} or ${b})`)(f)).toBe(mustCompile(`not ${a} and not ${b}`)(f));
        expect(mustCompile(`not (${a} and ${b})`)(f)).toBe(mustCompile(`not ${a} or not ${b}`)(f));
      }),
    );
  });

  test('a qualifier carries over to a bare address after "or"', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('4321::1', '4321::2', 'ff02::16', '4444::2'),
        fc.constantFrom('src', 'dst', 'host'),
        frame,
        (addr, q, f) => {
          expect(mustCompile(`${q} 4323::2 or ${addr}`)(f)).toBe(mustCompile(`${q} 4323::2 or ${q} ${addr}`)(f));
        },
      ),
    );
  });
});

describe('compileFilter() never throws', () => {
  const WORDS = [
    'host',
    'net',
    'port',
    'proto',
    'src',
    'dst',
    'and',
    'or',
    'not',
    '!',
    '(',
    ')',
    '&&',
    '||',
    'tcp',
    'udp',
    'icmp6',
    'ip6',
    'ip',
    'ether',
    'esp',
    'ah',
    'arp',
    '4321::1',
    'fe80::/10',
    '1.2.3.4',
    '22',
    '0x3a',
    '09',
    '/',
    '64',
    'aa:bb:cc:dd:ee:ff',
    'foo',
    'vlan',
    '[',
    '=',
  ];

  test('any sequence of filter words compiles or is refused with a message', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }), (words) => {
        const c = compileFilter(words);
        if (!c.ok) expect(c.error.length).toBeGreaterThan(0);
        else expect(typeof c.match(new Uint8Array(20))).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
