import { describe, expect, test } from 'vitest';
import { fixture, makeHost, readFixtureCommands, readGoldenCommands, utcUs } from './ip-xfrm-helpers.js';

/** What the golden shows for a command: stdout and stderr interleaved. */
const shown = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe('ip xfrm against the article goldens', () => {
  // Source: oracle/article/golden/probe_cli_parsing/console.log (copied as a fixture); its ip6tables lines are another command's.
  test('probe_cli_parsing: every ip xfrm command prints and exits as on Linux 6.1', () => {
    const host = makeHost();
    const cmds = readGoldenCommands(fixture('probe_cli_parsing.console.log')).filter((c) => c.words[0] === 'ip' && c.words[1] === 'xfrm');
    expect(cmds.length).toBe(22);
    for (const c of cmds) {
      const r = host.ip(c.words.slice(1));
      expect({ cmd: c.words.join(' '), out: shown(r), rc: r.exitCode }).toEqual({ cmd: c.words.join(' '), out: c.output, rc: c.rc });
    }
  });

  // Source: oracle/article/golden/ah1_as_intended/console.log, host a: the SA sent two 64-byte packets,
  // added at 19:41:46 and first used at 19:41:47 (UTC on the oracle).
  test('ah1_as_intended: ip -s xfrm state after two packets out, and ip xfrm policy', () => {
    const host = makeHost(utcUs(2026, 11, 26, 19, 41, 46));
    expect(host.ip('ip xfrm policy add dst 4321::/64 dir out tmpl proto ah mode transport').exitCode).toBe(0);
    expect(host.ip('ip xfrm state add dst 4321::2 proto ah spi 4321 auth "hmac(sha1)" 1234 mode transport').exitCode).toBe(0);
    const [sa] = host.ns.sad.list();
    for (const t of [1_000_000, 3_500_000]) expect(host.ns.sad.outputPrepare(sa!, 64, t).kind).toBe('ok');
    const log = fixture('ah1_as_intended.console.log');
    const block = (title: string) => {
      const start = log.indexOf(`${title}\n`) + title.length + 1;
      const end = log.indexOf('\n---', start);
      return `${log
        .slice(start, end)
        .split('\n')
        .map((l) => l.slice(4))
        .join('\n')}\n`;
    };
    expect(host.ip('ip -s xfrm state').stdout).toBe(block('--- ip -s xfrm state [a] ---'));
    expect(host.ip('ip xfrm policy').stdout).toBe(block('--- ip xfrm policy [a] ---'));
  });
});

describe('ip xfrm against listing-formats (uml-run of test/fixtures/shell/ip-xfrm/listing-formats.sh)', () => {
  /** Output that needs what the model does not keep (policy lifetimes and add times, socket-policy counts, policy hash sizes). */
  const NOT_MODELLED = new Set(['-s xfrm policy', '-s xfrm policy count', '-s -s xfrm policy count']);
  // The oracle's SAs were added over several seconds and allocspi drew a random SPI: both are masked.
  const mask = (s: string) =>
    s
      .replace(/add \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'add <time>')
      .replace(
        /spi 0x0f6df268|spi 0x[0-9a-f]{8}(?= reqid 0 mode transport\n\treplay-window 0 \n\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n\tsel src ::\/128 dst 4321::9)/g,
        'spi <random>',
      );

  test('each command prints and exits as the kernel run did', () => {
    const host = makeHost(utcUs(2026, 11, 27, 0, 21, 52));
    const cmds = readFixtureCommands(fixture('listing-formats.out'));
    expect(cmds.length).toBe(45);
    for (const c of cmds) {
      const line = c.words.join(' ');
      const r = host.ip(c.words);
      if (NOT_MODELLED.has(line)) {
        expect(r.stderr).toMatch(/not modelled/);
        continue;
      }
      expect({ line, out: mask(shown(r)), rc: r.exitCode }).toEqual({ line, out: mask(c.output), rc: c.rc });
    }
  });
});

describe('ip xfrm refusals (uml-run of test/fixtures/shell/ip-xfrm/parse-errors.sh)', () => {
  test('parse errors, kernel refusals and the successes among them match the kernel run, in order', () => {
    const host = makeHost(utcUs(2026, 11, 27, 0, 28, 6));
    const cmds = readFixtureCommands(fixture('parse-errors.out'));
    expect(cmds.length).toBe(81);
    for (const c of cmds) {
      const line = c.words.join(' ');
      const r = host.ip(c.words);
      expect({ line, out: shown(r), rc: r.exitCode }).toEqual({ line, out: c.output, rc: c.rc });
    }
  });
});
