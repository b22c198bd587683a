import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/cli/run.js';
import { simulatedCommands } from '../../src/shell/commands.js';
import { Shell } from '../../src/shell/runtime.js';
import { World } from '../../src/stack/world.js';
import { addr, link, node } from '../stack/helpers.js';

function shell() {
  const w = new World({ seed: 'nc' });
  node(w, 'a');
  node(w, 'b');
  link(w, 'a', 'eth0', 'b', 'eth0');
  addr(w, 'a', 'eth0', '4321::1/64');
  addr(w, 'b', 'eth0', '4321::2/64');
  return { w, sh: new Shell({ world: w, commands: simulatedCommands() }) };
}

// Texts and statuses as netcat-openbsd 1.219 printed them on Linux 6.1 (fixtures/shell/nc/).
describe('nc (netcat-openbsd)', () => {
  test('-z against a listener succeeds (with -v the message on stderr); the listener counts a passive open', async () => {
    const { w, sh } = shell();
    const r = await sh.run(
      'ip netns exec b nc -6 -lk 7777 & p=$!; ip netns exec a nc -6 -z -v -w 2 4321::2 7777; echo rc=$?; ip netns exec a nc -6 -z 4321::2 7777; echo rc=$?; kill $p; wait $p; echo "wait rc=$?"',
    );
    expect(r.stdout).toBe('rc=0\nrc=0\nwait rc=143\n');
    expect(r.stderr).toBe('Connection to 4321::2 7777 port [tcp/*] succeeded!\n');
    expect(w.host('b').counter('TcpPassiveOpens')).toBe(2);
  });

  test('a closed port refuses at once; a silent one times out after -w seconds of virtual time; both exit 1', async () => {
    const { w, sh } = shell();
    const t0 = w.clock.nowUs;
    const r = await sh.run(
      'ip netns exec a nc -6 -z -v 4321::2 9; echo rc=$?; ip netns exec b ip6tables -A INPUT -p tcp --dport 9 -j DROP; ip netns exec a nc -6 -z -v -w 2 4321::2 9; echo rc=$?',
    );
    expect(r.stdout).toBe('rc=1\nrc=1\n');
    expect(r.stderr).toBe(
      'nc: connect to 4321::2 port 9 (tcp) failed: Connection refused\nnc: connect to 4321::2 port 9 (tcp) timed out: Operation now in progress\n',
    );
    expect(w.clock.nowUs - t0).toBeGreaterThanOrEqual(2_000_000);
  });

  test('a listener without -k takes one connection and ends; its data goes to its stdout file', async () => {
    const { w, sh } = shell();
    const r = await sh.run(
      'ip netns exec b nc -6 -l 7777 > /tmp/got & p=$!; ip netns exec a nc -6 -z 4321::2 7777; sleep 1; wait $p; echo "wait rc=$?"',
    );
    expect(r.stdout).toBe('wait rc=0\n');
    expect(w.host('b').counter('TcpPassiveOpens')).toBe(1);
  });

  test('in the foreground a -k listener would never return, and what is not modelled says so', async () => {
    const { sh } = shell();
    const r = await sh.run(
      'nc -6 -lk 7777; echo rc=$?; nc -6 -u -l 53; echo rc=$?; nc -6 -u -l -v 53; echo rc=$?; nc -6 -z host.example 80; echo rc=$?',
    );
    expect(r.stdout).toBe('rc=2\nrc=2\nrc=2\nrc=1\n');
    expect(r.stderr).toContain('xfrmsim: nc -l -k in the foreground never returns');
    expect(r.stderr).toContain('xfrmsim: nc -l -u in the foreground never returns');
    expect(r.stderr).toContain('xfrmsim: nc -u -l -v: not modelled');
    expect(r.stderr).toContain('nc: getaddrinfo for host "host.example" port 80: Temporary failure in name resolution');
  });

  test('nc -u -l prints the datagrams of the first sender, answers it with stdin, and ignores other senders (netcat connects the socket to the first)', async () => {
    const { w, sh } = shell();
    const r = await sh.run(
      [
        "printf 'pong\\n' | ip netns exec b nc -6 -u -l 5000 > /tmp/got & p=$!",
        "printf 'one\\n' | ip netns exec a nc -6 -u -w 1 -p 4000 4321::2 5000; echo rc=$?",
        "printf 'two\\n' | ip netns exec a nc -6 -u -w 1 -p 4001 4321::2 5000; echo rc=$?",
        'kill $p; wait $p; echo "wait rc=$?"; cat /tmp/got',
      ].join('\n'),
    );
    // The first client gets the listener's stdin back; the second finds a socket connected elsewhere: port unreachable.
    expect(r.stdout).toBe('pong\nrc=0\nrc=0\nwait rc=143\none\n');
    expect(w.host('b').counter('Udp6InDatagrams')).toBe(1);
    expect(w.host('b').counter('Udp6NoPorts')).toBe(1);
  });

  test('-N sends stdin and a FIN; the listener prints the bytes and ends at that FIN', async () => {
    const { w, sh } = shell();
    const r = await sh.run(
      'ip netns exec b nc -6 -l 7001 > /tmp/got & p=$!; printf \'hello\\n\' | ip netns exec a nc -6 -N 4321::2 7001; echo rc=$?; wait $p; echo "wait rc=$?"; cat /tmp/got',
    );
    expect(r.stdout).toBe('rc=0\nwait rc=0\nhello\n');
    // Both sides closed in order: nothing is left established.
    expect(w.host('a').counter('TcpCurrEstab')).toBe(0);
    expect(w.host('b').counter('TcpCurrEstab')).toBe(0);
  });

  test('both ways: the listener sends its stdin to the first connection; -q 1 quits a second after the peer closes', async () => {
    const { w, sh } = shell();
    await sh.run("printf 'from b\\n' > /tmp/msg");
    const t0 = w.clock.nowUs;
    const r = await sh.run(
      "ip netns exec b nc -6 -N -l -v 7004 < /tmp/msg > /tmp/got 2> /tmp/err & p=$!; printf 'to b\\n' | ip netns exec a nc -6 -q 1 -p 5555 4321::2 7004; echo rc=$?; wait $p; cat /tmp/got /tmp/err",
    );
    expect(r.stdout).toBe('from b\nrc=0\nto b\nListening on :: 7004\nnc: getnameinfo: Temporary failure in name resolution\n');
    expect(w.clock.nowUs - t0).toBeGreaterThanOrEqual(1_000_000);
  });

  test('without -N or -q the client waits for the peer: -w ends an idle wait with status 0, without it nc reports it would hang', async () => {
    const { w, sh } = shell();
    const t0 = w.clock.nowUs;
    const r = await sh.run(
      "ip netns exec b nc -6 -lk 7002 > /tmp/got & p=$!; printf 'idle\\n' | ip netns exec a nc -6 -w 3 4321::2 7002; echo rc=$?; printf x | ip netns exec a nc -6 4321::2 7002; echo rc=$?; kill $p; wait $p; cat /tmp/got",
    );
    expect(r.stdout).toBe('rc=0\nrc=2\nidle\nx');
    expect(r.stderr).toContain('xfrmsim: nc would wait for ever here');
    expect(w.clock.nowUs - t0).toBeGreaterThanOrEqual(3_000_000);
  });

  test('with -n the listener names its peer by address; without it the name lookup fails and nc goes on', async () => {
    const { sh } = shell();
    const r = await sh.run(
      'ip netns exec b nc -6 -n -v -l 7003 2> /tmp/err & p=$!; ip netns exec a nc -6 -z -p 5556 4321::2 7003; wait $p; echo "wait rc=$?"; cat /tmp/err',
    );
    expect(r.stdout).toBe('wait rc=0\nListening on :: 7003\nConnection received on 4321::1 5556\n');
  });

  test('a UDP client sends stdin as one datagram and -q 0 ends it at once', async () => {
    const { w, sh } = shell();
    const r = await sh.run("printf 'dgram\\n' | ip netns exec a nc -6 -u -q 0 4321::2 9999; echo rc=$?");
    expect(r.stdout).toBe('rc=0\n');
    expect(w.host('a').counter('Udp6OutDatagrams')).toBe(1);
  });

  test("option errors in netcat's words, and a service port named as /etc/services names it", async () => {
    const { sh } = shell();
    const r = await sh.run(
      'ip netns exec b nc -6 -lk 80 & p=$!; ip netns exec a nc -6 -z -v 4321::2 http; nc -6 -z -w -1 4321::2 1; nc -6 -q x 4321::2 1; nc -6 -z 4321::2 0; nc -6 -z -v 127.0.0.1 1; nc -k 4321::2 1; nc -6 4321::2; nc -6 -z -p abc 4321::2 1; ip netns exec a nc -6 -z -v -s 4321::9 4321::2 1; echo rc=$?; kill $p',
    );
    expect(r.stderr.split('\n')).toEqual([
      'Connection to 4321::2 80 port [tcp/http] succeeded!',
      'nc: timeout too small: -1',
      'nc: quit timer invalid: x',
      'nc: port number too small: 0',
      'nc: getaddrinfo for host "127.0.0.1" port 1: Address family for hostname not supported',
      'nc: must use -l with -k',
      'nc: missing port number',
      'nc: getaddrinfo: Servname not supported for ai_socktype',
      'nc: bind failed: Cannot assign requested address',
      '',
    ]);
    expect(r.stdout).toBe('rc=1\n');
  });

  test.each(['nc-cli', 'nc-data'])('the oracle script %s prints what Linux 6.1 with netcat-openbsd 1.219 printed', async (name) => {
    const dir = fileURLToPath(new URL('../fixtures/shell/nc/', import.meta.url));
    const run = await runScenario(join(dir, `${name}.sh`), { out: mkdtempSync(join(tmpdir(), 'xfrmsim-nc-')), trace: 'none' });
    expect(run.console).toBe(readFileSync(join(dir, `${name}.console.log`), 'utf8'));
  });
});
