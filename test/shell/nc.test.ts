import { describe, expect, test } from 'vitest';
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

  test('in the foreground a listener would never return, and what is not modelled says so', async () => {
    const { sh } = shell();
    const r = await sh.run('nc -6 -l 7777; echo rc=$?; nc -u 4321::2 53; echo rc=$?; nc -6 -z host.example 80; echo rc=$?');
    expect(r.stdout).toBe('rc=2\nrc=2\nrc=1\n');
    expect(r.stderr).toContain('never returns');
    expect(r.stderr).toContain('xfrmsim: nc -u: not modelled');
    expect(r.stderr).toContain('nc: getaddrinfo for host "host.example" port 80: Temporary failure in name resolution');
  });
});
