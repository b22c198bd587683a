import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { startTcpdump, type TcpdumpJob } from '../../src/shell/tcpdump.js';
import { ping } from '../../src/stack/ping.js';
import { readPcap, writePcap } from '../../src/wire/pcap.js';
import { printPcap } from '../../src/wire/tcpdump/index.js';
import { ip, pair, settle } from '../stack/helpers.js';

// Texts marked "oracle" were printed by tcpdump 4.99.3 under oracle/uml-run (Linux
// 6.1, veth pair a:eth0 -- b:eth0), or by the same tcpdump on test/fixtures/pcap files.

const FIXTURE = 'ah1_as_intended__link_ab.pcap';
const fixtureBytes = new Uint8Array(readFileSync(new URL(`../fixtures/pcap/${FIXTURE}`, import.meta.url)));
const fixtureText = readFileSync(new URL('../fixtures/tcpdump/ah1_as_intended__link_ab.n.txt', import.meta.url), 'utf8');
const fixtureRecords = (() => {
  const r = readPcap(fixtureBytes);
  if (!r.ok) throw new Error('fixture');
  return r.value.records;
})();

const noFiles = () => undefined;
const files = (path: string, bytes: Uint8Array) => (p: string) => (p === path ? bytes : undefined);

function run(argv: string[], readFile: (p: string) => Uint8Array | undefined = noFiles) {
  const w = pair();
  return startTcpdump(argv, { host: w.host('a'), nowUs: w.clock.nowUs, readFile });
}

function done(argv: string[], readFile?: (p: string) => Uint8Array | undefined) {
  const s = run(argv, readFile);
  if (s.kind !== 'done') throw new Error(`${argv.join(' ')} started a capture`);
  return s.result;
}

/** Starts a capture (--immediate-mode) on a:eth0 of the 4321::1 -- 4321::2 pair and feeds it the fixture's frames. */
function replay(argv: string[]): TcpdumpJob {
  const w = pair();
  const s = startTcpdump(['--immediate-mode', ...argv], { host: w.host('a'), nowUs: w.clock.nowUs, readFile: noFiles });
  if (s.kind !== 'started') throw new Error(s.result.stderr);
  const dev = w.host('a').device('eth0');
  for (const r of fixtureRecords) dev.tap(r.timeUs, r.data, 'out');
  return s.job;
}

const USAGE_TAIL = '\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]\n';

describe('tcpdump -r FILE', () => {
  test('prints what tcpdump -n -r prints, the file header line on stderr (oracle fixture text)', () => {
    const r = done(['-n', '-r', 'x.pcap'], files('x.pcap', fixtureBytes));
    expect(r.stdout).toBe(fixtureText);
    expect(r.stderr).toBe('reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n');
    expect(r.exitCode).toBe(0);
  });

  test('applies the filter and -c, and keeps one TCP table for the run', () => {
    const r = done(['-n', '-c', '2', '-r', 'x.pcap', 'ah'], files('x.pcap', fixtureBytes));
    const want = fixtureText
      .split('\n')
      .filter((l) => l.includes(': AH('))
      .slice(0, 2);
    expect(r.stdout).toBe(`${want.join('\n')}\n`);
  });

  test('a filter that selects nothing prints only the header line (oracle)', () => {
    const r = done(['-n', '-r', 'x.pcap', 'tcp'], files('x.pcap', fixtureBytes));
    expect(r).toEqual({
      stdout: '',
      stderr: 'reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n',
      exitCode: 0,
    });
  });

  test('options may follow the expression, as GNU getopt permutes them', () => {
    const a = done(['-r', 'x.pcap', 'icmp6', '-n'], files('x.pcap', fixtureBytes));
    const b = done(['-n', '-r', 'x.pcap', 'icmp6'], files('x.pcap', fixtureBytes));
    expect(a).toEqual(b);
    expect(a.stdout.length).toBeGreaterThan(0);
  });

  test('-v, -vv and -e print as the recorded fixtures (oracle fixture texts)', () => {
    for (const [flags, suffix] of [
      [['-n', '-v'], 'v'],
      [['-n', '-vv'], 'vv'],
      [['-n', '-e'], 'e'],
    ] as const) {
      const want = readFileSync(new URL(`../fixtures/tcpdump/ah1_as_intended__link_ab.${suffix}.txt`, import.meta.url), 'utf8');
      expect(done([...flags, '-r', 'x.pcap'], files('x.pcap', fixtureBytes)).stdout).toBe(want);
    }
  });

  test('a missing file (oracle)', () => {
    expect(done(['-n', '-r', '/nonexistent.pcap'])).toEqual({
      stdout: '',
      stderr: 'tcpdump: /nonexistent.pcap: No such file or directory\n',
      exitCode: 1,
    });
  });

  test('files cut short, empty or not pcap give libpcap words and exit 1 (tcpdump 4.99.3 on the same bytes)', () => {
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), 'tcpdump: truncated dump file; tried to read 4 file header bytes, only got 0\n'],
      [fixtureBytes.slice(0, 10), 'tcpdump: truncated dump file; tried to read 24 file header bytes, only got 6\n'],
      [new TextEncoder().encode('hello\n'), 'tcpdump: unknown file format\n'],
      [
        fixtureBytes.slice(0, 30),
        'reading from file f, link-type EN10MB (Ethernet), snapshot length 262144\ntcpdump: pcap_loop: truncated dump file; tried to read 16 header bytes, only got 6\n',
      ],
      [
        fixtureBytes.slice(0, fixtureBytes.length - 5),
        'reading from file f, link-type EN10MB (Ethernet), snapshot length 262144\ntcpdump: pcap_loop: truncated dump file; tried to read 118 captured bytes, only got 113\n',
      ],
    ];
    for (const [bytes, stderr] of cases) {
      const r = done(['-n', '-r', 'f'], files('f', bytes));
      expect(r.stderr).toBe(stderr);
      expect(r.exitCode).toBe(1);
    }
    const cut = done(['-n', '-r', 'f'], files('f', fixtureBytes.slice(0, fixtureBytes.length - 5)));
    expect(cut.stdout).toBe(printPcap(fixtureBytes.slice(0, fixtureBytes.length - 5), { verbosity: 0 }));
    expect(done(['-n', '-r', 'f'], files('f', fixtureBytes.slice(0, 24)))).toEqual({
      stdout: '',
      stderr: 'reading from file f, link-type EN10MB (Ethernet), snapshot length 262144\n',
      exitCode: 0,
    });
  });

  test('a bad filter is reported after the header line (oracle)', () => {
    expect(done(['-n', '-r', 'x.pcap', 'host'], files('x.pcap', fixtureBytes))).toEqual({
      stdout: '',
      stderr:
        "reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 262144\ntcpdump: can't parse filter expression: syntax error\n",
      exitCode: 1,
    });
  });

  test('-w with -r is refused as not modelled', () => {
    const r = done(['-n', '-r', 'x.pcap', '-w', 'y.pcap'], files('x.pcap', fixtureBytes));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not modelled/);
  });
});

describe('tcpdump option errors (oracle)', () => {
  test('-c 0 and -c x: invalid packet count', () => {
    expect(done(['-n', '-c', '0', '-i', 'lo'])).toEqual({ stdout: '', stderr: 'tcpdump: invalid packet count 0\n', exitCode: 1 });
    expect(done(['-n', '-c', 'x', '-i', 'lo'])).toEqual({ stdout: '', stderr: 'tcpdump: invalid packet count x\n', exitCode: 1 });
  });

  test('-s x: invalid snaplen', () => {
    expect(done(['-n', '-s', 'x', '-i', 'lo']).stderr).toBe('tcpdump: invalid snaplen x (must be >= 0 and <= 262144)\n');
  });

  test('-i without its argument prints the usage text', () => {
    const r = done(['-n', '-i']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.startsWith("tcpdump: option requires an argument -- 'i'\ntcpdump version 4.99.3\n")).toBe(true);
    expect(r.stderr.endsWith(USAGE_TAIL)).toBe(true);
  });

  test('an unknown letter and an unknown long option print the usage text', () => {
    expect(done(['-g']).stderr.startsWith("tcpdump: invalid option -- 'g'\n")).toBe(true);
    expect(done(['-n', '--bogus']).stderr.startsWith("tcpdump: unrecognized option '--bogus'\ntcpdump version 4.99.3\n")).toBe(true);
  });

  test('options tcpdump has and we do not model fail loudly', () => {
    for (const argv of [
      ['-X', '-i', 'eth0'],
      ['-q', '-i', 'eth0'],
      ['-vvv', '-i', 'eth0'],
      ['-i', 'any'],
      ['-e', '-i', 'eth0'],
    ]) {
      const r = done(argv);
      expect(r.exitCode, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^xfrmsim: tcpdump.*: not modelled\n$/);
    }
  });
});

describe('tcpdump -i DEV', () => {
  test('a missing device (oracle)', () => {
    expect(done(['-n', '-i', 'nosuch'])).toEqual({
      stdout: '',
      stderr: 'tcpdump: nosuch: No such device exists\n(No such device exists)\n',
      exitCode: 1,
    });
  });

  test('a missing device is reported before a bad filter (oracle order: pcap_activate, then pcap_compile)', () => {
    expect(done(['-n', '-i', 'nosuch', 'host']).stderr).toBe('tcpdump: nosuch: No such device exists\n(No such device exists)\n');
  });

  test('a device that is down (oracle)', () => {
    const w = pair();
    w.host('a').setLinkUp('eth0', false);
    const s = startTcpdump(['-n', '-i', 'eth0'], { host: w.host('a'), nowUs: 0, readFile: noFiles });
    expect(s).toEqual({ kind: 'done', result: { stdout: '', stderr: 'tcpdump: eth0: That device is not up\n', exitCode: 1 } });
  });

  test('filter errors in tcpdump words (oracle)', () => {
    expect(done(['-n', '-i', 'eth0', 'host'])).toEqual({
      stdout: '',
      stderr: "tcpdump: can't parse filter expression: syntax error\n",
      exitCode: 1,
    });
    expect(done(['-n', '-i', 'eth0', 'port', '70000']).stderr).toBe('tcpdump: illegal port number 70000 > 65535\n');
  });

  test('the start banner: live print, -v and -w (oracle)', () => {
    const banner = (argv: string[]) => {
      const s = run(argv);
      if (s.kind !== 'started') throw new Error(s.result.stderr);
      return s.job.stderrAtStart;
    };
    const listening = 'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n';
    expect(banner(['-n', '-i', 'eth0', '-l'])).toBe(
      `tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n${listening}`,
    );
    expect(banner(['-n', '-v', '-i', 'eth0', 'icmp6'])).toBe(`tcpdump: ${listening}`);
    expect(banner(['-n', '-i', 'eth0', '-s', '0', '-U', '--immediate-mode', '-w', 'f.pcap'])).toBe(`tcpdump: ${listening}`);
    expect(banner(['-n', '-s', '100', '-i', 'eth0'])).toContain('snapshot length 100 bytes\n');
    expect(banner(['-n'])).toBe(`tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n${listening}`);
  });

  test('live print: the lines tcpdump -n -r prints, then the counts on stderr', () => {
    const job = replay(['-n', '-i', 'eth0']);
    const end = job.stop();
    expect(end.stdout).toBe(fixtureText);
    expect(end.stderr).toBe('12 packets captured\n12 packets received by filter\n0 packets dropped by kernel\n');
    expect(end.exitCode).toBe(0);
    expect(end.files).toEqual([]);
  });

  test('-w writes the filtered frames as a pcap and prints nothing on stdout', () => {
    const job = replay(['-n', '-i', 'eth0', '-w', 'out.pcap', 'ah']);
    const end = job.stop();
    expect(end.stdout).toBe('');
    const file = end.files[0]!;
    expect(file.path).toBe('out.pcap');
    const ahRecords = fixtureRecords.filter((r) => r.data[20] === 51);
    expect(file.bytes).toEqual(writePcap(ahRecords.map((r) => ({ timeUs: r.timeUs, data: r.data }))));
    expect(end.stderr).toBe(
      `${ahRecords.length} packets captured\n${ahRecords.length} packets received by filter\n0 packets dropped by kernel\n`,
    );
  });

  const ns = fixtureRecords.find((r) => r.data[20] === 58)!;

  test('-c N with --immediate-mode: finished once N frames passed the filter; "1 packet" is singular', () => {
    const w = pair();
    const s = startTcpdump(['-n', '--immediate-mode', '-i', 'eth0', '-c', '1', 'icmp6'], {
      host: w.host('a'),
      nowUs: 0,
      readFile: noFiles,
    });
    if (s.kind !== 'started') throw new Error(s.result.stderr);
    expect(s.job.finished).toBe(false);
    const dev = w.host('a').device('eth0');
    dev.tap(0, fixtureRecords[0]!.data, 'out');
    expect(s.job.finished).toBe(false);
    dev.tap(0, ns.data, 'out');
    expect(s.job.finished).toBe(true);
    // A second ICMPv6 frame 30 us later is counted by the kernel but not printed; one 5 s later is not counted.
    dev.tap(30, ns.data, 'in');
    dev.tap(5_000_000, ns.data, 'in');
    const end = s.job.stop();
    expect(end.stdout.split('\n').length).toBe(2);
    expect(end.stderr).toBe('1 packet captured\n2 packets received by filter\n0 packets dropped by kernel\n');
  });

  test('-c N without --immediate-mode: tcpdump reads the Nth packet when its block retires, and the kernel counts until then', () => {
    // Oracle probe: `tcpdump -n -i eth0 -c 1` printed one packet and reported "6 packets received by filter".
    const w = pair();
    const s = startTcpdump(['-n', '-i', 'eth0', '-c', '1', 'icmp6'], { host: w.host('a'), nowUs: 0, readFile: noFiles });
    if (s.kind !== 'started') throw new Error(s.result.stderr);
    const dev = w.host('a').device('eth0');
    dev.tap(200_000, ns.data, 'out');
    w.clock.advance(999_999);
    expect(s.job.finished).toBe(false);
    dev.tap(999_999, ns.data, 'in');
    w.clock.advance(1);
    expect(s.job.finished).toBe(true);
    dev.tap(1_500_000, ns.data, 'in');
    w.clock.advance(600_000);
    const end = s.job.stop();
    expect(end.stdout.split('\n').length).toBe(2);
    expect(end.stderr).toBe('1 packet captured\n2 packets received by filter\n0 packets dropped by kernel\n');
  });

  test('killed without --immediate-mode: packets of the block not yet handed over are counted but lost', () => {
    const w = settle(pair());
    const t0 = w.clock.nowUs;
    const s = startTcpdump(['-n', '-i', 'eth0', '-w', 'f.pcap'], { host: w.host('a'), nowUs: t0, readFile: noFiles });
    if (s.kind !== 'started') throw new Error(s.result.stderr);
    const dev = w.host('a').device('eth0');
    dev.tap(t0 + 2_100_000, ns.data, 'out');
    dev.tap(t0 + 2_900_000, ns.data, 'in');
    dev.tap(t0 + 3_100_000, ns.data, 'in');
    w.clock.advance(3_500_000);
    const end = s.job.stop();
    expect(end.stderr).toBe('2 packets captured\n3 packets received by filter\n0 packets dropped by kernel\n');
    const r = readPcap(end.files[0]!.bytes);
    expect(r.ok && r.value.records.map((x) => x.timeUs - t0)).toEqual([2_100_000, 2_900_000]);
  });

  test('-l makes the blocks retire every 100 ms when printing', () => {
    const w = settle(pair());
    const t0 = w.clock.nowUs;
    const s = startTcpdump(['-n', '-l', '-i', 'eth0'], { host: w.host('a'), nowUs: t0, readFile: noFiles });
    if (s.kind !== 'started') throw new Error(s.result.stderr);
    w.host('a')
      .device('eth0')
      .tap(t0 + 150_000, ns.data, 'out');
    w.host('a')
      .device('eth0')
      .tap(t0 + 250_000, ns.data, 'out');
    w.clock.advance(210_000);
    expect(s.job.stop().stderr).toBe('1 packet captured\n2 packets received by filter\n0 packets dropped by kernel\n');
  });

  test('-s cuts what is written, not what the filter sees', () => {
    const job = replay(['-n', '-i', 'eth0', '-s', '60', '-w', 'cut.pcap', 'ah']);
    const r = readPcap(job.stop().files[0]!.bytes);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.snapLen).toBe(60);
      expect(r.value.records.length).toBeGreaterThan(0);
      for (const rec of r.value.records) {
        expect(rec.data.length).toBe(60);
        expect(rec.origLength).toBeGreaterThan(60);
      }
    }
  });

  test('stopping detaches the capture from the device', () => {
    const w = pair();
    const s = startTcpdump(['-n', '-i', 'eth0'], { host: w.host('a'), nowUs: 0, readFile: noFiles });
    expect(w.host('a').device('eth0').captures.size).toBe(1);
    if (s.kind === 'started') s.job.stop();
    expect(w.host('a').device('eth0').captures.size).toBe(0);
  });

  test('end to end: a ping across the pair, captured on a:eth0 with icmp6 and host filters', () => {
    const w = pair();
    const a = w.host('a');
    const s = startTcpdump(['-n', '-i', 'eth0', 'icmp6 and host 4321::2'], { host: a, nowUs: w.clock.nowUs, readFile: noFiles });
    if (s.kind !== 'started') throw new Error(s.result.stderr);
    const p = ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(p.received).toBe(1);
    // The `sleep 1` lib.sh's capstop makes before killing: the last block is handed over.
    w.clock.advance(1_000_000);
    const end = s.job.stop();
    const lines = end.stdout.trimEnd().split('\n');
    expect(lines.some((l) => / IP6 4321::1 > 4321::2: ICMP6, echo request, id \d+, seq 1, length 64$/.test(l))).toBe(true);
    expect(lines.some((l) => / IP6 4321::2 > 4321::1: ICMP6, echo reply, id \d+, seq 1, length 64$/.test(l))).toBe(true);
    expect(end.stderr).toBe(`${lines.length} packets captured\n${lines.length} packets received by filter\n0 packets dropped by kernel\n`);
  });

  test('without -n, TCP and UDP ports would print as names: refused as not modelled', () => {
    const w = pair();
    const s = startTcpdump(['--immediate-mode', '-i', 'eth0'], { host: w.host('a'), nowUs: 0, readFile: noFiles });
    if (s.kind !== 'started') throw new Error(s.result.stderr);
    const zoo = readPcap(new Uint8Array(readFileSync(new URL('../fixtures/pcap/printer-zoo.pcap', import.meta.url))));
    if (!zoo.ok) throw new Error('zoo');
    const tcp = zoo.value.records.find((r) => r.data[12] === 0x86 && r.data[20] === 6)!;
    w.host('a').device('eth0').tap(1, tcp.data, 'in');
    const end = s.job.stop();
    expect(end.exitCode).toBe(2);
    expect(end.stderr).toMatch(/not modelled/);
  });
});

describe('tcpdump texts agree with the recorded oracle probe (tools/tcpdump-oracle-probe.sh under uml-run)', () => {
  const probe = readFileSync(new URL('../fixtures/shell/tcpdump/oracle-probe.txt', import.meta.url), 'utf8');

  test('device, option and filter errors appear verbatim in the recording', () => {
    for (const argv of [
      ['-n', '-i', 'nosuch'],
      ['-n', '-i', 'eth0', 'host'],
      ['-n', '-i', 'eth0', 'port 70000'],
      ['-n', '-c', '0', '-i', 'lo'],
      ['-n', '-c', 'x', '-i', 'lo'],
      ['-n', '-s', 'x', '-i', 'lo'],
      ['-n', '-i'],
    ]) {
      const r = done(argv);
      expect(r.exitCode).toBe(1);
      expect(probe).toContain(r.stderr);
    }
    expect(probe).toContain(done(['-n', '-r', '/nonexistent.pcap']).stderr);
  });

  test('banners and end counts appear verbatim in the recording', () => {
    for (const argv of [
      ['-n', '-i', 'eth0', '-l'],
      ['-n', '-v', '-i', 'eth0', 'icmp6'],
      ['-n', '-s', '100', '-i', 'eth0', '-c', '1'],
    ]) {
      const s = run(argv);
      if (s.kind !== 'started') throw new Error(s.result.stderr);
      expect(probe).toContain(s.job.stderrAtStart);
    }
    expect(probe).toContain('1 packet captured\n2 packets received by filter\n0 packets dropped by kernel\n');
    expect(probe).toContain('14 packets captured\n14 packets received by filter\n0 packets dropped by kernel\n');
  });
});

describe('tcpdump properties', () => {
  const FILTERS = ['', 'icmp6', 'ah', 'not ah', 'host 4321::2', 'dst net ff02::/16', 'ip6 proto 0'];

  test('printing live equals reading back what -w wrote, for any frames and filter', () => {
    fc.assert(
      fc.property(fc.subarray([...fixtureRecords]), fc.constantFrom(...FILTERS), (recs, filter) => {
        const capture = (extra: string[]) => {
          const w = pair();
          const s = startTcpdump(['-n', '--immediate-mode', '-i', 'eth0', ...extra, ...(filter ? [filter] : [])], {
            host: w.host('a'),
            nowUs: 0,
            readFile: noFiles,
          });
          if (s.kind !== 'started') throw new Error(s.result.stderr);
          for (const r of recs) w.host('a').device('eth0').tap(r.timeUs, r.data, 'out');
          return s.job.stop();
        };
        const live = capture([]);
        const written = capture(['-w', 'f.pcap']);
        expect(written.stderr).toBe(live.stderr);
        const back = done(['-n', '-r', 'f.pcap'], files('f.pcap', written.files[0]!.bytes));
        expect(back.stdout).toBe(live.stdout);
      }),
      { numRuns: 50 },
    );
  });
});
