import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { World } from '../../src/stack/world.js';
import { consoleText, ip, maskMacs, oracleCases, snapshotWorld } from './ip-replay.js';

/** Two namespaces joined by a veth with known MACs, both ends up. */
function pairWorld(): World {
  const w = new World({ seed: 'ip-link' });
  ip(w, 'netns add a');
  ip(w, 'netns add b');
  ip(w, '-n a link add eth0 address 02:00:00:00:00:0a type veth peer name eth0 netns b address 02:00:00:00:00:0b');
  ip(w, '-n a link set eth0 up');
  ip(w, '-n b link set eth0 up');
  return w;
}

describe('ip link against the oracle', () => {
  test.each(oracleCases('link').map((s) => [`${s.capture}: ${s.key}`, s] as const))('%s prints what Linux printed', (_key, s) => {
    expect(maskMacs(consoleText(s.model))).toBe(maskMacs(s.output));
    expect(s.model.exitCode).toBe(s.rc);
  });
});

describe('ip link add', () => {
  test('a veth without netns puts both ends here, the peer registered first (golden: listings "ip link add c type veth peer name d")', () => {
    const w = new World();
    expect(ip(w, 'link add c type veth peer name d').exitCode).toBe(0);
    const h = w.host('init');
    expect(h.device('d').ifindex).toBeLessThan(h.device('c').ifindex);
    expect(h.device('c').peer).toBe(h.device('d'));
  });

  test('takes address and mtu for each end', () => {
    const w = new World();
    ip(w, 'netns add b');
    const r = ip(w, 'link add v0 address 02:00:00:00:00:01 mtu 1400 type veth peer name v1 netns b address 02:00:00:00:00:02');
    expect(r).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(w.host('init').device('v0').macText).toBe('02:00:00:00:00:01');
    expect(w.host('init').device('v0').mtu).toBe(1400);
    expect(w.host('b').device('v1').macText).toBe('02:00:00:00:00:02');
  });

  test('without a type it is refused before anything is created', () => {
    const w = new World();
    expect(ip(w, 'link add v0')).toEqual({ stdout: '', stderr: 'Not enough information: "type" argument is required\n', exitCode: 1 });
  });

  test('other kinds, and veths without named ends, are not modelled', () => {
    const w = new World();
    for (const line of ['link add x type dummy', 'link add v1 type veth', 'link add type veth peer name y']) {
      const r = ip(w, line);
      expect(r.stderr, line).toMatch(/not modelled/);
      expect(r.exitCode, line).not.toBe(0);
    }
    expect([...w.host('init').devices.keys()]).toEqual(['lo']);
  });
});

describe('ip link set', () => {
  test('a short device name that abbreviates a keyword is the keyword (golden: listings "ip link del d")', () => {
    const w = new World();
    ip(w, 'link add c type veth peer name d');
    expect(ip(w, 'link del d')).toEqual({ stdout: '', stderr: 'Command line is not complete. Try option "help"\n', exitCode: 255 });
    expect(w.host('init').devices.has('d')).toBe(true);
  });

  test("a device named like an on/off keyword fails on the keyword's value (lib/utils.c on_off)", () => {
    const w = new World();
    ip(w, 'link add c type veth peer name d');
    expect(ip(w, 'link set d up')).toEqual({
      stdout: '',
      stderr: 'Error: argument of "dynamic" must be "on" or "off", not "up"\n',
      exitCode: 1,
    });
    expect(w.host('init').device('d').adminUp).toBe(false);
  });

  test('`t` abbreviates txqueuelen, which iplink_parse tries before type', () => {
    const w = pairWorld();
    expect(ip(w, '-n a link set eth0 t 5').stderr).toMatch(/ip link txqueuelen: not modelled/);
    expect(ip(w, '-n a link add v9 t veth peer name v8').stderr).toMatch(/ip link txqueuelen: not modelled/);
  });

  test('without a device it is refused with status 255', () => {
    const w = new World();
    expect(ip(w, 'link set up')).toEqual({ stdout: '', stderr: 'Not enough information: "dev" argument is required.\n', exitCode: 255 });
  });

  test('applies mtu and up together', () => {
    const w = pairWorld();
    ip(w, '-n a link set eth0 down');
    expect(ip(w, '-n a link set eth0 mtu 1400 up').exitCode).toBe(0);
    const d = w.host('a').device('eth0');
    expect([d.mtu, d.adminUp]).toEqual([1400, true]);
  });

  test('moving a device to another namespace is not modelled', () => {
    const w = pairWorld();
    const r = ip(w, '-n a link set eth0 netns b');
    expect(r.stderr).toMatch(/not modelled/);
    expect(w.host('a').devices.has('eth0')).toBe(true);
  });
});

describe('ip link delete', () => {
  test('takes the peer in the other namespace with it, and their addresses and routes', () => {
    const w = pairWorld();
    ip(w, '-n b addr add 4321::2/64 dev eth0 nodad');
    expect(ip(w, '-n a link del eth0').exitCode).toBe(0);
    const b = w.host('b');
    expect(b.devices.has('eth0')).toBe(false);
    expect(b.addrs.filter((a) => a.dev === 'eth0')).toEqual([]);
    expect(b.fib.list(254).filter((r) => r.dev === 'eth0')).toEqual([]);
    expect(b.fib.list(255).filter((r) => r.dev === 'eth0')).toEqual([]);
  });
});

describe('ip -s link', () => {
  test('widens the columns to the largest counter (ipaddress.c size_columns)', () => {
    const w = pairWorld();
    const d = w.host('a').device('eth0');
    Object.assign(d.stats, { rx_bytes: 12_345_678_901, rx_packets: 5, tx_bytes: 7, tx_packets: 1, rx_dropped: 0, tx_dropped: 3 });
    const out = ip(w, '-n a -s link show eth0').stdout.split('\n');
    expect(out.slice(2)).toEqual([
      '    RX:   bytes packets errors dropped  missed   mcast           ',
      '    12345678901       5      0       0       0       0 ',
      '    TX:   bytes packets errors dropped carrier collsns           ',
      '              7       1      0       3       0       0 ',
      '',
    ]);
  });

  test('-s -s of a veth is not modelled (its carrier changes are not counted)', () => {
    const w = pairWorld();
    expect(ip(w, '-n a -s -s link show eth0').stderr).toMatch(/not modelled/);
  });
});

describe('rejected ip link commands', () => {
  test('leave every namespace as it was', () => {
    const commands = [
      'link add eth0 type veth peer name x',
      'link add v9 type veth peer name v9',
      'link add v9 netns nosuch type veth peer name v8',
      'link add v9 mtu 60 type veth peer name v8',
      'link add v9 type veth peer name v8 mtu 70000',
      'link add v9 type veth peer name v8 address zz',
      'link add v9 type veth peer name v8 type veth',
      'link add v9 type dummy',
      'link set eth0 mtu 60',
      'link set eth0 mtu 1400 frob',
      'link set eth0 mtu 100',
      'link set eth0 up netns b',
      'link set nosuch up',
      'link set eth0 address 02:00:00:00:00:09',
      'link del lo',
      'link del nosuch',
      'link del eth0 mtu 1400',
      'link frob',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...commands), fc.boolean(), (line, inA) => {
        const w = pairWorld();
        const before = snapshotWorld(w);
        const r = ip(w, inA ? `-n a ${line}` : line);
        if (r.exitCode !== 0) expect(snapshotWorld(w)).toBe(before);
      }),
    );
  });

  test('each of those commands is in fact refused in namespace a', () => {
    for (const line of ['link add eth0 type veth peer name x', 'link set eth0 mtu 60', 'link del lo']) {
      expect(ip(pairWorld(), `-n a ${line}`).exitCode, line).toBe(2);
    }
  });
});

describe('bridges', () => {
  test('ip link add type bridge, master and -br link: the mesh harness commands', () => {
    const w = new World({ seed: 'ip-bridge' });
    ip(w, 'netns add sw');
    ip(w, 'netns add n1');
    expect(ip(w, '-n sw link add br0 type bridge mcast_snooping 0').exitCode).toBe(0);
    ip(w, '-n sw link set br0 up');
    ip(w, '-n n1 link add eth0 address 02:00:00:00:00:01 type veth peer name p1 netns sw');
    ip(w, '-n n1 link set eth0 up');
    ip(w, '-n sw link set p1 up');
    expect(ip(w, '-n sw link set p1 master br0').exitCode).toBe(0);
    expect(w.host('sw').device('p1').master).toBe('br0');
    expect(w.host('sw').device('br0').running).toBe(true);
    expect(ip(w, '-n sw link show p1').stdout).toContain(' master br0 state UP ');
    const brief = ip(w, '-n n1 -br link show eth0').stdout;
    expect(brief.split(/\s+/)[2]).toBe('02:00:00:00:00:01');
    expect(brief).toMatch(/^eth0@if\d+ +UP +02:00:00:00:00:01 <BROADCAST,MULTICAST,UP,LOWER_UP> \n$/);
  });

  test('what is not modelled about bridges says so (STP, other bridge options, -br addr)', () => {
    const w = new World({ seed: 'ip-bridge' });
    ip(w, 'netns add sw');
    expect(ip(w, '-n sw link add br0 type bridge stp_state 1').stderr).toMatch(/not modelled/);
    expect(ip(w, '-n sw link add br0 type bridge vlan_filtering 1').stderr).toMatch(/not modelled/);
    expect(ip(w, '-n sw link add br0 type bridge mcast_snooping 256').stderr).toBe(
      'Error: argument "256" is wrong: invalid mcast_snooping\n',
    );
    expect(w.host('sw').devices.has('br0')).toBe(false);
    expect(ip(w, '-n sw -br addr').stderr).toMatch(/not modelled/);
  });
});

/** Namespace sw with bridge br0 (up, no port yet) and veth p1/p2 to n1/n2 with the MACs fixtures/shell/ip/bridge.sh set. */
function bridgeWorld(): World {
  const w = new World({ seed: 'ip-bridge-oracle' });
  for (const n of ['sw', 'n1', 'n2']) ip(w, `netns add ${n}`);
  ip(w, '-n sw link set lo up');
  ip(w, '-n sw link add br0 type bridge mcast_snooping 0');
  ip(w, '-n sw link set br0 up');
  ip(w, 'link add eth0 netns n1 address 02:00:00:00:01:01 type veth peer name p1 netns sw address 02:00:00:00:01:02');
  ip(w, 'link add eth0 netns n2 address 02:00:00:00:02:01 type veth peer name p2 netns sw address 02:00:00:00:02:02');
  return w;
}

describe('bridges against the oracle (fixtures/shell/ip/bridge.console.log, Linux 6.1)', () => {
  test('a new bridge has a random MAC, and once up carrier and operstate UNKNOWN while it has no port', () => {
    const w = new World({ seed: 'ip-bridge' });
    ip(w, 'netns add sw');
    expect(ip(w, '-n sw link add br0 type bridge').exitCode).toBe(0);
    expect(ip(w, '-n sw link show br0').stdout).toMatch(
      /^2: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n {4}link\/ether ([0-9a-f]{2}:){5}[0-9a-f]{2} brd ff:ff:ff:ff:ff:ff\n$/,
    );
    ip(w, '-n sw link set br0 up');
    expect(ip(w, '-n sw link show br0').stdout).toMatch(
      /^2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n/,
    );
    expect(ip(w, '-n sw -br link show br0').stdout).toMatch(
      /^br0 {14}UNKNOWN {8}([0-9a-f]{2}:){5}[0-9a-f]{2} <BROADCAST,MULTICAST,UP,LOWER_UP> \n$/,
    );
  });

  test('with ports the bridge takes the lowest port MAC, has carrier only while a port runs, and ports say master br0', () => {
    const w = bridgeWorld();
    ip(w, '-n sw link set p1 master br0');
    ip(w, '-n sw link set p1 up');
    // The kernel printed UNKNOWN and UP without LOWER_UP here (before linkwatch ran); this is the settled state.
    expect(ip(w, '-n sw link show br0').stdout).toBe(
      '2: br0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\n    link/ether 02:00:00:00:01:02 brd ff:ff:ff:ff:ff:ff\n',
    );
    ip(w, '-n n1 link set eth0 up');
    expect(ip(w, '-n sw link show').stdout).toBe(
      [
        '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
        '2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
        '    link/ether 02:00:00:00:01:02 brd ff:ff:ff:ff:ff:ff',
        '3: p1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000',
        '    link/ether 02:00:00:00:01:02 brd ff:ff:ff:ff:ff:ff link-netns n1',
        '4: p2@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
        '    link/ether 02:00:00:00:02:02 brd ff:ff:ff:ff:ff:ff link-netns n2',
        '',
      ].join('\n'),
    );
    expect(ip(w, '-n sw -br link show').stdout).toBe(
      [
        'lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> ',
        'br0              UP             02:00:00:00:01:02 <BROADCAST,MULTICAST,UP,LOWER_UP> ',
        'p1@if2           UP             02:00:00:00:01:02 <BROADCAST,MULTICAST,UP,LOWER_UP> ',
        'p2@if2           DOWN           02:00:00:00:02:02 <BROADCAST,MULTICAST> ',
        '',
      ].join('\n'),
    );
    expect(ip(w, '-n n1 -br link show').stdout).toBe(
      'lo               DOWN           00:00:00:00:00:00 <LOOPBACK> \neth0@if3         UP             02:00:00:00:01:01 <BROADCAST,MULTICAST,UP,LOWER_UP> \n',
    );
    ip(w, '-n sw link set p2 master br0');
    ip(w, '-n sw link set p2 up');
    ip(w, '-n n2 link set eth0 up');
    expect(ip(w, '-n sw -o link show p2').stdout).toBe(
      '4: p2@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000\\    link/ether 02:00:00:00:02:02 brd ff:ff:ff:ff:ff:ff link-netns n2\n',
    );
    ip(w, '-n sw link set p2 nomaster');
    expect(ip(w, '-n sw link show p2').stdout).not.toContain('master');
    ip(w, '-n sw link set p1 nomaster');
    expect(ip(w, '-n sw -br link show br0').stdout).toBe(
      'br0              DOWN           00:00:00:00:00:00 <NO-CARRIER,BROADCAST,MULTICAST,UP> \n',
    );
    ip(w, '-n sw link set br0 down');
    expect(ip(w, '-n sw -br -s -o -6 link show br0').stdout).toBe(
      'br0              DOWN           00:00:00:00:00:00 <BROADCAST,MULTICAST> \n',
    );
  });

  test('a MAC given at creation stays; the other bridge options the oracle used are accepted', () => {
    const w = bridgeWorld();
    expect(ip(w, '-n sw link add br1 type bridge').exitCode).toBe(0);
    expect(ip(w, '-n sw link add br2 type bridge stp_state 0').exitCode).toBe(0);
    expect(ip(w, '-n sw link add br3 type bridge mcast_snooping 1').exitCode).toBe(0);
    expect(ip(w, '-n sw link add br4 address 02:00:00:00:00:44 type bridge').exitCode).toBe(0);
    ip(w, '-n sw link set p1 master br4');
    expect(ip(w, '-n sw -br link show br4').stdout).toBe('br4              DOWN           02:00:00:00:00:44 <BROADCAST,MULTICAST> \n');
    expect(ip(w, '-n sw link delete br3').exitCode).toBe(0);
    expect(w.host('sw').bridges.has('br3')).toBe(false);
  });

  test("master refusals are the kernel's and iproute2's", () => {
    const w = bridgeWorld();
    ip(w, '-n sw link add br1 type bridge');
    const cases: [string, string, number][] = [
      ['-n sw link set br1 master br0', 'Error: Can not enslave a bridge to a bridge.\n', 2],
      ['-n sw link set nosuch master br0', 'Cannot find device "nosuch"\n', 1],
      ['-n sw link set p1 master nosuch', 'Error: argument "nosuch" is wrong: Device does not exist\n\n', 255],
      ['-n sw link set p1 master lo', 'RTNETLINK answers: Operation not supported\n', 2],
      ['-n sw link set p1 master p2', 'RTNETLINK answers: Operation not supported\n', 2],
      ['-n sw link set lo master br0', 'RTNETLINK answers: Invalid argument\n', 2],
    ];
    for (const [line, err, rc] of cases) {
      const r = ip(w, line);
      expect(r.stderr, line).toBe(err);
      expect(r.exitCode, line).toBe(rc);
    }
    expect(w.host('sw').device('p1').master).toBeUndefined();
  });

  test('deleting a port releases it from its bridge; deleting a bridge releases its ports', () => {
    const w = bridgeWorld();
    ip(w, '-n sw link set p1 master br0');
    ip(w, '-n sw link set p2 master br0');
    ip(w, '-n sw link delete p1');
    expect(w.host('sw').device('br0').macText).toBe('02:00:00:00:02:02');
    ip(w, '-n sw link delete br0');
    expect(w.host('sw').device('p2').master).toBeUndefined();
  });
});
