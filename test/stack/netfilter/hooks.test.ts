import { describe, expect, it } from 'vitest';
import { type Hook, Netfilter, type NfStep, type Rule } from '../../../src/stack/netfilter/index.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { A, B, echo, nf, TH, tcp } from './packets.js';

const NONE: Rule = { target: { kind: 'none' } };
const ACCEPT: Rule = { target: { kind: 'ACCEPT' } };
const DROP: Rule = { target: { kind: 'DROP' } };
const RETURN: Rule = { target: { kind: 'RETURN' } };
const jump = (chain: string): Rule => ({ target: { kind: 'jump', chain } });
const goto = (chain: string): Rule => ({ target: { kind: 'goto', chain } });

/** A netfilter with every table in use and conntrack hooked in. */
function allTables(): Netfilter {
  const n = new Netfilter({ alwaysTrack: true });
  for (const t of ['raw', 'mangle', 'filter'] as const) n.list(t);
  return n;
}

function stageNames(steps: readonly NfStep[]): string[] {
  return steps.map((s) => (s.kind === 'policy' ? `${s.table}` : s.kind === 'conntrack' ? 'conntrack' : s.kind));
}

describe('runHook: tables in priority order', () => {
  // kernel-semantics §6.1: raw -300, conntrack -200, mangle -150, filter 0, confirm last.
  const cases: [Hook, string[]][] = [
    ['PREROUTING', ['raw', 'conntrack', 'mangle']],
    ['INPUT', ['mangle', 'filter', 'confirm']],
    ['FORWARD', ['mangle', 'filter']],
    ['OUTPUT', ['raw', 'conntrack', 'mangle', 'filter']],
    ['POSTROUTING', ['mangle', 'confirm']],
  ];
  for (const [hook, order] of cases) {
    it(`${hook} runs ${order.join(', ')}`, () => {
      const n = allTables();
      const pkt = nf(echo(A, B, 1), { inDev: 'eth0', outDev: 'eth1' });
      // A fresh, unconfirmed entry where the hook does not look packets up, so confirm has work.
      const ct = hook === 'INPUT' || hook === 'POSTROUTING' ? n.runHook('PREROUTING', pkt, { nowUs: 0 }).pkt.ct : undefined;
      const v = n.runHook(hook, { ...pkt, ct }, { nowUs: 0 });
      expect(v.kind).toBe('accept');
      expect(stageNames(v.steps)).toEqual(order);
    });
  }

  it('ACCEPT ends only its own table; DROP ends the hook', () => {
    const n = allTables();
    n.append('raw', 'PREROUTING', ACCEPT);
    n.append('mangle', 'PREROUTING', NONE);
    const v = n.runHook('PREROUTING', nf(echo(B, A, 1), { inDev: 'eth0' }), { nowUs: 0 });
    expect(v.kind).toBe('accept');
    expect(n.list('mangle')[0]!.rules[0]!.packets).toBe(1);
    n.insert('raw', 'PREROUTING', 1, DROP);
    const d = n.runHook('PREROUTING', nf(echo(B, A, 1), { inDev: 'eth0' }), { nowUs: 0 });
    expect(d).toMatchObject({ kind: 'drop', reason: 'rule', table: 'raw', chain: 'PREROUTING', rule: 1 });
    expect(n.list('mangle')[0]!.rules[0]!.packets).toBe(1);
  });

  it('a DROP policy drops with the reason "policy" and counts the packet on the policy', () => {
    const n = new Netfilter();
    n.setPolicy('filter', 'FORWARD', 'DROP');
    const v = n.runHook('FORWARD', nf(echo(B, A, 1), { inDev: 'eth0', outDev: 'eth1' }), { nowUs: 0 });
    expect(v).toMatchObject({ kind: 'drop', reason: 'policy', table: 'filter', chain: 'FORWARD', rule: 'policy' });
    expect(n.list('filter')[1]).toMatchObject({ policy: 'DROP', packets: 1, bytes: 104 });
  });

  it('setting a policy again without counters zeroes the policy counters', () => {
    // VERIFIED test/kernel-cases/forward-counters.sh (.out): "policy ACCEPT 12 packets, 1248 bytes",
    // then after `ip6tables -P FORWARD ACCEPT` "policy ACCEPT 0 packets, 0 bytes".
    const n = new Netfilter();
    n.setPolicy('filter', 'FORWARD', 'ACCEPT'); // the case's first ip6tables use, which instantiates the table
    n.runHook('FORWARD', nf(echo(B, A, 1), { inDev: 'eth0', outDev: 'eth1' }), { nowUs: 0 });
    expect(n.list('filter')[1]).toMatchObject({ policy: 'ACCEPT', packets: 1, bytes: 104 });
    n.setPolicy('filter', 'FORWARD', 'ACCEPT');
    expect(n.list('filter')[1]).toMatchObject({ policy: 'ACCEPT', packets: 0, bytes: 0 });
  });

  it('hands each hook only the devices the kernel passes it (no -o in PREROUTING, no -i in OUTPUT)', () => {
    // NF_HOOK calls: PREROUTING/INPUT (in, NULL), FORWARD (in, out), OUTPUT/POSTROUTING (NULL, out).
    const n = new Netfilter();
    n.append('mangle', 'PREROUTING', { outIface: { name: 'eth1' }, target: { kind: 'none' } });
    n.append('mangle', 'PREROUTING', { outIface: { name: 'eth1', invert: true }, target: { kind: 'none' } });
    n.append('mangle', 'OUTPUT', { inIface: { name: 'eth0', invert: true }, target: { kind: 'none' } });
    const pkt = nf(echo(B, A, 1), { inDev: 'eth0', outDev: 'eth1' });
    n.runHook('PREROUTING', pkt, { nowUs: 0 });
    n.runHook('OUTPUT', pkt, { nowUs: 0 });
    const m = n.list('mangle');
    expect(m[0]!.rules.map((r) => r.packets)).toEqual([0, 1]);
    expect(m[3]!.rules.map((r) => r.packets)).toEqual([1]);
  });

  it('asks for a new route when mangle OUTPUT changed the mark, not otherwise', () => {
    // ip6t_mangle_out: ip6_route_me_harder when the mark (or addresses, hop limit, flow label) changed.
    const n = new Netfilter();
    n.append('mangle', 'OUTPUT', { target: { kind: 'MARK', mark: 0x1200, mask: 0xffffffff } });
    const v = n.runHook('OUTPUT', nf(echo(A, B, 1), { outDev: 'eth0' }), { nowUs: 0 });
    expect(v).toMatchObject({ kind: 'accept', reroute: true });
    expect(v.pkt.mark).toBe(0x1200);
    const again = n.runHook('OUTPUT', v.pkt, { nowUs: 0 });
    expect(again).toMatchObject({ kind: 'accept', reroute: false });
  });

  it('drops bytes that are no IPv6 packet before any table, with the reason "malformed"', () => {
    const n = new Netfilter();
    n.list('filter');
    const v = n.runHook('INPUT', nf(Uint8Array.of(0x45, 0, 0, 20)), { nowUs: 0 });
    expect(v).toMatchObject({ kind: 'drop', reason: 'malformed' });
    expect(n.list('filter')[0]!.packets).toBe(0);
  });
});

describe('runHook: hooks where nothing is registered', () => {
  it('accepts at once where no table and no conntrack hook in, even bytes that are no IPv6 packet', () => {
    // nf_hook() with an empty hook list: no header check, no copy.
    const n = new Netfilter();
    const pkt = nf(Uint8Array.of(0x45, 0, 0, 20));
    const v = n.runHook('INPUT', pkt, { nowUs: 0 });
    expect(v).toMatchObject({ kind: 'accept', reroute: false, steps: [] });
    expect(v.pkt).toBe(pkt);
  });

  it('registers a table only at the hooks it serves, and conntrack only while a rule needs it', () => {
    const n = new Netfilter();
    const hooks: Hook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
    const hooked = () => hooks.filter((h) => n.isHooked(h));
    expect(hooked()).toEqual([]);
    n.list('raw');
    expect(hooked()).toEqual(['PREROUTING', 'OUTPUT']);
    n.append('raw', 'PREROUTING', { matches: [{ kind: 'state', states: ['NEW'] }], target: { kind: 'ACCEPT' } });
    expect(n.conntrackEnabled).toBe(true);
    expect(hooked()).toEqual(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']);
    n.flush('raw');
    expect(hooked()).toEqual(['PREROUTING', 'OUTPUT']);
    n.list('filter');
    expect(hooked()).toEqual(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT']);
  });

  it('gives back the same packet when the tables changed nothing, a new one when they changed the mark', () => {
    const n = new Netfilter();
    n.list('filter');
    const pkt = nf(echo(A, B, 1), { outDev: 'eth0' });
    expect(n.runHook('OUTPUT', pkt, { nowUs: 0 }).pkt).toBe(pkt);
    n.append('mangle', 'OUTPUT', { target: { kind: 'MARK', mark: 7, mask: 0xffffffff } });
    const v = n.runHook('OUTPUT', pkt, { nowUs: 0 });
    expect(v.pkt).not.toBe(pkt);
    expect(v.pkt.mark).toBe(7);
    expect(pkt.mark).toBe(0);
  });
});

describe('runHook: jumps, gotos and returns', () => {
  function withChains(): Netfilter {
    const n = new Netfilter();
    for (const c of ['one', 'two', 'three']) n.newChain('filter', c);
    return n;
  }
  const ruleCounts = (n: Netfilter) => Object.fromEntries(n.list('filter').map((c) => [c.name, c.rules.map((r) => r.packets)]));
  const input = () => nf(echo(B, A, 1), { inDev: 'eth0' });

  it('a jump returns to the rule after it at the end of the user chain', () => {
    const n = withChains();
    n.append('filter', 'INPUT', jump('one'));
    n.append('filter', 'INPUT', NONE);
    n.append('filter', 'one', NONE);
    n.runHook('INPUT', input(), { nowUs: 0 });
    expect(ruleCounts(n)).toMatchObject({ INPUT: [1, 1], one: [1] });
  });

  it('RETURN goes back to the caller; RETURN in a built-in chain goes to its policy', () => {
    const n = withChains();
    n.setPolicy('filter', 'INPUT', 'DROP');
    n.append('filter', 'INPUT', jump('one'));
    n.append('filter', 'INPUT', RETURN);
    n.append('filter', 'INPUT', ACCEPT);
    n.append('filter', 'one', RETURN);
    n.append('filter', 'one', DROP);
    const v = n.runHook('INPUT', input(), { nowUs: 0 });
    expect(v).toMatchObject({ kind: 'drop', reason: 'policy' });
    expect(ruleCounts(n)).toMatchObject({ INPUT: [1, 1, 0], one: [1, 0] });
  });

  it('a goto does not come back: the end of the chain gone to returns to the chain that called the one that did the goto', () => {
    // IP6T_F_GOTO: no push onto the jump stack.
    const n = withChains();
    n.append('filter', 'INPUT', jump('one'));
    n.append('filter', 'INPUT', NONE);
    n.append('filter', 'one', goto('two'));
    n.append('filter', 'one', DROP);
    n.append('filter', 'two', NONE);
    const v = n.runHook('INPUT', input(), { nowUs: 0 });
    expect(v.kind).toBe('accept');
    expect(ruleCounts(n)).toMatchObject({ INPUT: [1, 1], one: [1, 0], two: [1] });
  });

  it("a goto from a built-in chain ends at that chain's policy", () => {
    const n = withChains();
    n.setPolicy('filter', 'INPUT', 'DROP');
    n.append('filter', 'INPUT', goto('one'));
    n.append('filter', 'INPUT', ACCEPT);
    const v = n.runHook('INPUT', input(), { nowUs: 0 });
    expect(v).toMatchObject({ kind: 'drop', reason: 'policy' });
    expect(ruleCounts(n)).toMatchObject({ INPUT: [1, 0] });
  });

  it('follows 40 nested jumps: x_tables has no fixed depth, its stack has a slot per user chain', () => {
    // translate_table: stacksize = number of user chains; loops are refused, so the stack never fills.
    const n = new Netfilter();
    for (let i = 0; i < 40; i++) n.newChain('filter', `c${String(i).padStart(2, '0')}`);
    for (let i = 0; i < 39; i++) n.append('filter', `c${String(i).padStart(2, '0')}`, jump(`c${String(i + 1).padStart(2, '0')}`));
    n.append('filter', 'c39', DROP);
    n.append('filter', 'INPUT', jump('c00'));
    const v = n.runHook('INPUT', input(), { nowUs: 0 });
    expect(v).toMatchObject({ kind: 'drop', reason: 'rule', chain: 'c39', rule: 1 });
  });

  it('records one step per matched rule, the user chain end and the policy', () => {
    const n = withChains();
    n.append('filter', 'INPUT', jump('one'));
    n.append('filter', 'one', NONE);
    const v = n.runHook('INPUT', input(), { nowUs: 0 });
    expect(v.steps).toEqual([
      { kind: 'rule', table: 'filter', chain: 'INPUT', rule: 1, target: { kind: 'jump', chain: 'one' } },
      { kind: 'rule', table: 'filter', chain: 'one', rule: 1, target: { kind: 'none' } },
      { kind: 'return', table: 'filter', chain: 'one', rule: 2 },
      { kind: 'policy', table: 'filter', chain: 'INPUT', verdict: 'ACCEPT' },
    ]);
    expect(n.runHook('INPUT', input(), { nowUs: 0, recordSteps: false }).steps).toEqual([]);
  });
});

describe('TRACE', () => {
  it('logs every rule, chain end and policy the packet meets after the TRACE rule, as the kernel trace does', () => {
    // ip6_tables.c trace_packet: "TRACE: %s:%s:%s:%u " + nf_log with NF_LOG_DEFAULT_MASK, level 4;
    // the TRACE rule itself is not logged (nf_trace is set by its target, after the check).
    const n = new Netfilter();
    n.append('raw', 'PREROUTING', { proto: { num: IPPROTO.ICMPV6 }, target: { kind: 'TRACE' } });
    n.newChain('filter', 'chk');
    n.append('filter', 'INPUT', jump('chk'));
    n.append('filter', 'chk', { proto: { num: IPPROTO.TCP }, target: { kind: 'DROP' } });
    n.list('mangle');
    const lines: [string, number][] = [];
    const ctx = { nowUs: 0, log: (l: string, level: number) => lines.push([l, level]) };
    const pre = n.runHook('PREROUTING', nf(echo(B, A, 1), { inDev: 'eth0' }), ctx);
    expect(pre.pkt.nfTrace).toBe(true);
    n.runHook('INPUT', pre.pkt, ctx);
    const tail =
      'IN=eth0 OUT= MAC= SRC=4321:0000:0000:0000:0000:0000:0000:0002 DST=4321:0000:0000:0000:0000:0000:0000:0001 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=1 SEQ=1 ';
    expect(lines).toEqual([
      [`TRACE: raw:PREROUTING:policy:2 ${tail}`, 4],
      [`TRACE: mangle:PREROUTING:policy:1 ${tail}`, 4],
      [`TRACE: mangle:INPUT:policy:1 ${tail}`, 4],
      [`TRACE: filter:INPUT:rule:1 ${tail}`, 4],
      [`TRACE: filter:chk:return:2 ${tail}`, 4],
      [`TRACE: filter:INPUT:policy:2 ${tail}`, 4],
    ]);
  });

  it('calls an unconditional ACCEPT "policy" in a built-in chain and "return" in a user chain, as get_chainname_rulenum does', () => {
    const n = new Netfilter();
    n.newChain('filter', 'u');
    n.append('filter', 'INPUT', jump('u'));
    n.append('filter', 'u', ACCEPT);
    const lines: string[] = [];
    n.runHook('INPUT', nf(echo(B, A, 1), { inDev: 'eth0', nfTrace: true }), { nowUs: 0, log: (l) => lines.push(l) });
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['filter:INPUT:rule:1', 'filter:u:return:1']);
  });

  it('shows TCP sequence numbers and options in TRACE lines (NF_LOG_DEFAULT_MASK)', () => {
    const n = new Netfilter();
    const lines: string[] = [];
    n.list('filter');
    const syn = tcp(B, A, 1234, 80, TH.SYN, { seq: 7, window: 1000, options: Uint8Array.of(2, 4, 5, 0xa0) });
    n.runHook('INPUT', nf(syn, { inDev: 'eth0', nfTrace: true }), { nowUs: 0, log: (l) => lines.push(l) });
    expect(lines[0]).toContain('PROTO=TCP SPT=1234 DPT=80 SEQ=7 ACK=0 WINDOW=1000 RES=0x00 SYN URGP=0 OPT (020405A0) ');
  });
});

describe('counters add up', () => {
  it('rule and policy packet counters of a chain without jumps sum to the packets that reached it', () => {
    const n = new Netfilter();
    const table = 'filter';
    n.append(table, 'INPUT', { proto: { num: IPPROTO.TCP }, target: { kind: 'DROP' } });
    n.append(table, 'INPUT', { proto: { num: IPPROTO.ICMPV6 }, target: { kind: 'ACCEPT' } });
    const pkts = [
      echo(B, A, 1),
      tcp(B, A, 1, 2, TH.SYN),
      echo(B, A, 2),
      tcp(B, A, 3, 4, TH.ACK),
      Uint8Array.from(echo(B, A, 3)).fill(IPPROTO.NONE, 6, 7),
    ];
    for (const p of pkts) n.runHook('INPUT', nf(p, { inDev: 'eth0' }), { nowUs: 0 });
    const c = n.list(table)[0]!;
    expect(c.rules.reduce((s, r) => s + r.packets, 0) + c.packets).toBe(pkts.length);
    expect([...c.rules.map((r) => r.packets), c.packets]).toEqual([2, 2, 1]);
  });
});
