import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IP_OPTIONS, type IpOptions } from '../../src/shell/ip-options.js';
import { ipXfrmMonitor } from '../../src/shell/ip-xfrm-monitor.js';
import { JobTable } from '../../src/shell/jobs.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import type { XfrmNamespace } from '../../src/xfrm/namespace.js';
import type { XfrmFlow } from '../../src/xfrm/selector.js';
import { outCtx } from '../xfrm/engine-helpers.js';
import { fixture, makeHost, shellWords } from './ip-xfrm-helpers.js';

const PID = 4000;

/** Starts `ip [opts] xfrm monitor ARGS &` on `ns`; `stop()` kills it and gives what it printed. */
function startMonitor(ns: XfrmNamespace, args: readonly string[] = [], opts: IpOptions = DEFAULT_IP_OPTIONS) {
  const jobs = new JobTable();
  const started = ipXfrmMonitor(args, { xfrm: ns, opts, jobs, background: { pid: PID, output: {} } });
  return {
    started,
    jobs,
    async stop(): Promise<string> {
      const r = await jobs.kill([String(PID)], async () => {});
      return r.stdout;
    },
  };
}

/** The flow of iputils ping's UDP probe (connect() to port 1025 after autobind). */
function probeFlow(src: string, dst: string, sport: number): XfrmFlow {
  return { family: 'inet6', src: ipv6(src), dst: ipv6(dst), proto: 17, sport, dport: 1025, oif: 0, mark: 0, ifId: 0 };
}

describe('ip xfrm monitor: texts as iproute2 6.1 prints them', () => {
  it('prints the policy and the acquire of test/conformance probe_missing_state exactly as the kernel run did', async () => {
    const golden = readFileSync(
      fileURLToPath(new URL('../conformance/article/golden/probe_missing_state/monitor_a.txt', import.meta.url)),
      'utf8',
    );
    const h = makeHost();
    const mon = startMonitor(h.ns);
    expect(mon.started.exitCode).toBe(0);
    expect(h.ip('ip xfrm policy add dst 4321::2 dir out tmpl proto ah mode transport').exitCode).toBe(0);
    // The kernel's probe socket had the ephemeral port 47287.
    h.ns.lookupOutput(probeFlow('4321::1', '4321::2', 47287), outCtx(ipv6('4321::1')));
    expect(await mon.stop()).toBe(golden);
  });

  it('prints SA add, update, delete, flush, policy add, flush, acquire and a larval expiry as the oracle run did', async () => {
    // Oracle: the script in the fixture's header, run under Linux 6.1 (uml-run).
    const text = fixture('monitor-oracle.txt');
    const expected = text.slice(text.indexOf('# ---\n') + '# ---\n'.length);
    const commands = text
      .split('\n')
      .filter((l) => l.startsWith('# ip -n a xfrm '))
      .map((l) => shellWords(l.slice(2)).filter((_, i) => i !== 1 && i !== 2));
    const h = makeHost();
    h.ns.setSysctl('acqExpires', 1);
    const mon = startMonitor(h.ns);
    for (const words of commands) h.ip(words);
    h.ns.lookupOutput(probeFlow('::1', '::1', 37240), outCtx(ipv6('::1')));
    h.ns.runTimers(2_500_000);
    expect(await mon.stop()).toBe(expected);
  });

  it('prints policy updates (one that adds is still Updated) and deletions as the oracle run did', async () => {
    const text = fixture('monitor-policy-oracle.txt');
    const expected = text.slice(text.indexOf('# ---\n') + '# ---\n'.length);
    const h = makeHost();
    const mon = startMonitor(h.ns, ['policy']);
    for (const l of text.split('\n').filter((x) => x.startsWith('# ip -n a xfrm ')))
      h.ip(shellWords(l.slice(2)).filter((_, i) => i !== 1 && i !== 2));
    expect(await mon.stop()).toBe(expected);
  });

  it('an object word narrows the groups: `monitor SA policy` leaves out acquires and expires', async () => {
    const h = makeHost();
    const mon = startMonitor(h.ns, ['SA', 'policy']);
    expect(h.ns.keyManagerListening).toBe(false);
    h.ip('ip xfrm policy add dst ::1/128 dir out tmpl proto ah mode transport');
    h.ns.lookupOutput(probeFlow('::1', '::1', 40000), outCtx(ipv6('::1')));
    const out = await mon.stop();
    expect(out).toContain('dir out priority 0 ptype main');
    expect(out).not.toContain('acquire');
    expect(h.ns.sad.count()).toBe(0);
  });

  it('while it runs a key manager listens; once killed none does, and a second kill finds no process', async () => {
    const h = makeHost();
    const mon = startMonitor(h.ns);
    expect(h.ns.keyManagerListening).toBe(true);
    await mon.stop();
    expect(h.ns.keyManagerListening).toBe(false);
    const again = await mon.jobs.kill([String(PID)], async () => {});
    expect(again.stderr).toBe(`bash: kill: (${PID}) - No such process\n`);
  });

  it('prints Deleted, Updated and Flushed headers, and with -o one line per event', async () => {
    const h = makeHost();
    const mon = startMonitor(h.ns, [], { ...DEFAULT_IP_OPTIONS, oneline: true });
    h.ip('ip xfrm policy update dst 2001:db8::2 dir in action block');
    h.ip('ip xfrm policy deleteall');
    h.ip('ip xfrm state add src ::1 dst ::2 proto ah spi 0x200 mode transport auth hmac(sha1) 0x00112233445566778899aabbccddeeff00112233');
    h.ip('ip xfrm state flush proto ah');
    const lines = (await mon.stop()).split('\n');
    expect(lines).toEqual([
      'Updated src ::/0 dst 2001:db8::2/128 \\\tdir in action block priority 0 ptype main \\',
      'Deleted src ::/0 dst 2001:db8::2/128 \\\tdir in action block priority 0 ptype main \\',
      'src ::1 dst ::2\\\tproto ah spi 0x00000200 reqid 0 mode transport\\\treplay-window 0 \\\tauth-trunc hmac(sha1) 0x00112233445566778899aabbccddeeff00112233 96\\\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\\\tsel src ::/0 dst ::/0 \\',
      'Flushed state proto ah\\',
      '',
    ]);
  });

  it('answers help, unknown words, file, -s and the foreground as iproute2 does or refuses what it cannot model', () => {
    const h = makeHost();
    const jobs = new JobTable();
    const run = (args: string[], opts = DEFAULT_IP_OPTIONS) => ipXfrmMonitor(args, { xfrm: h.ns, opts, jobs });
    expect(run(['help'])).toEqual({
      stdout: '',
      stderr:
        'Usage: ip xfrm monitor [ nokeys ] [ all-nsid ] [ all | OBJECTS | help ]\nOBJECTS := { acquire | expire | SA | aevent | policy | report }\n',
      exitCode: 255,
    });
    expect(run(['bogus'])).toEqual({ stdout: '', stderr: 'Argument "bogus" is unknown, try "ip xfrm monitor help".\n', exitCode: 255 });
    expect(run(['file', 'x']).stderr).toMatch(/not modelled/);
    expect(run([], { ...DEFAULT_IP_OPTIONS, stats: 1 }).stderr).toMatch(/not modelled/);
    const fg = run(['all']);
    expect(fg.exitCode).toBe(2);
    expect(fg.stderr).toMatch(/never returns: start it with &/);
    expect(h.ns.keyManagerListening).toBe(false);
    expect(jobs.running()).toEqual([]);
  });
});
