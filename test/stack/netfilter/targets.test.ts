import { describe, expect, it } from 'vitest';
import {
  formatLogLine,
  LOG_IPOPT,
  LOG_MACDECODE,
  LOG_TCPOPT,
  LOG_TCPSEQ,
  LOG_UID,
  Netfilter,
  type NfPacket,
  REJECT_TYPES,
  type Target,
} from '../../../src/stack/netfilter/index.js';
import { concatBytes } from '../../../src/wire/hex.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { A, ahTransport, B, echo, esp, icmp6Error, ip6, nf, TH, tcp, udp } from './packets.js';

const FULL_A = '4321:0000:0000:0000:0000:0000:0000:0001';
const FULL_B = '4321:0000:0000:0000:0000:0000:0000:0002';

describe('REJECT', () => {
  // ip6t_REJECT.c reject6_tg: the ICMPv6 destination-unreachable code of each --reject-with, then NF_DROP.
  const codes: [string, number][] = [
    ['icmp6-no-route', 0],
    ['icmp6-adm-prohibited', 1],
    ['icmp6-addr-unreachable', 3],
    ['icmp6-port-unreachable', 4],
    ['icmp6-policy-fail', 5],
    ['icmp6-reject-route', 6],
  ];
  for (const [name, code] of codes) {
    it(`--reject-with ${name} asks for a destination unreachable, code ${code}`, () => {
      const n = new Netfilter();
      n.append('filter', 'INPUT', { target: { kind: 'REJECT', with: name as 'icmp6-no-route' } });
      const v = n.runHook('INPUT', nf(echo(B, A, 1), { inDev: 'eth0' }), { nowUs: 0 });
      expect(v).toMatchObject({ kind: 'reject', table: 'filter', chain: 'INPUT', rule: 1, with: { kind: 'icmp6', type: 1, code } });
      expect(n.list('filter')[0]!.rules[0]!.packets).toBe(1);
    });
  }

  it('--reject-with tcp-reset asks for a RST', () => {
    const n = new Netfilter();
    n.append('filter', 'INPUT', { proto: { num: IPPROTO.TCP }, target: { kind: 'REJECT', with: 'tcp-reset' } });
    expect(n.runHook('INPUT', nf(tcp(B, A, 1, 2, TH.SYN), { inDev: 'eth0' }), { nowUs: 0 })).toMatchObject({
      kind: 'reject',
      with: { kind: 'tcp-reset' },
    });
  });

  it('names each type by its long name and ip6tables alias', () => {
    // libip6t_REJECT.c reject_table.
    expect(REJECT_TYPES.map((t) => `${t.name}/${t.alias}`)).toEqual([
      'icmp6-no-route/no-route',
      'icmp6-adm-prohibited/adm-prohibited',
      'icmp6-addr-unreachable/addr-unreach',
      'icmp6-port-unreachable/port-unreach',
      'tcp-reset/tcp-reset',
      'icmp6-policy-fail/policy-fail',
      'icmp6-reject-route/reject-route',
    ]);
  });
});

describe('MARK and CONNMARK', () => {
  // xt_mark.c mark_tg: mark = (mark & ~mask) ^ value. libxt_MARK: --set-mark v is (v, 0xffffffff),
  // --and-mark b is (0, ~b), --or-mark b is (b, b), --xor-mark b is (b, 0).
  const cases: [string, Target, number, number][] = [
    ['--set-xmark 0x1/0xffffffff', { kind: 'MARK', mark: 0x1, mask: 0xffffffff }, 0xff00, 0x1],
    ['--set-xmark 0x1/0x1 keeps other bits', { kind: 'MARK', mark: 0x1, mask: 0x1 }, 0xff00, 0xff01],
    ['--and-mark 0xf0', { kind: 'MARK', mark: 0, mask: ~0xf0 >>> 0 }, 0x1234, 0x30],
    ['--or-mark 0x3', { kind: 'MARK', mark: 0x3, mask: 0x3 }, 0x1230, 0x1233],
    ['--xor-mark 0x1', { kind: 'MARK', mark: 0x1, mask: 0 }, 0x1233, 0x1232],
  ];
  for (const [what, target, before, after] of cases) {
    it(`MARK ${what}`, () => {
      const n = new Netfilter();
      n.append('mangle', 'PREROUTING', { target });
      expect(n.runHook('PREROUTING', nf(echo(B, A, 1), { mark: before }), { nowUs: 0 }).pkt.mark).toBe(after);
    });
  }

  it('CONNMARK --save-mark copies the packet mark into the connection, --restore-mark brings it back on the reply', () => {
    // xt_connmark.c connmark_tg_shift: save ct = (ct & ~ctmask) ^ (mark & nfmask); restore mark = (mark & ~nfmask) ^ (ct & ctmask).
    const n = new Netfilter();
    n.append('mangle', 'OUTPUT', { target: { kind: 'MARK', mark: 0x1200, mask: 0xffffffff } });
    n.append('mangle', 'OUTPUT', { target: { kind: 'CONNMARK', mode: 'save', ctmark: 0, ctmask: 0xffffffff, nfmask: 0xff00 } });
    n.append('mangle', 'PREROUTING', { target: { kind: 'CONNMARK', mode: 'restore', ctmark: 0, ctmask: 0xffffffff, nfmask: 0xffffffff } });
    n.append('mangle', 'PREROUTING', { matches: [{ kind: 'connmark', mark: 0x1200, mask: 0xffffffff }], target: { kind: 'none' } });
    const out = n.runHook('OUTPUT', nf(udp(A, B, 1, 2), { outDev: 'eth0' }), { nowUs: 0 });
    n.runHook('POSTROUTING', out.pkt, { nowUs: 0 });
    const back = n.runHook('PREROUTING', nf(udp(B, A, 2, 1), { inDev: 'eth0' }), { nowUs: 0 });
    expect(back.pkt.mark).toBe(0x1200);
    expect(n.list('mangle')[0]!.rules[1]!.packets).toBe(1);
    expect(n.conntrack.list(0)[0]!.mark).toBe(0x1200);
  });

  it('CONNMARK --set-xmark changes the connection mark only; no connection, no change', () => {
    const n = new Netfilter();
    n.append('mangle', 'PREROUTING', { target: { kind: 'CONNMARK', mode: 'set', ctmark: 0x5, ctmask: 0xf, nfmask: 0 } });
    const v = n.runHook('PREROUTING', nf(udp(B, A, 2, 1), { inDev: 'eth0' }), { nowUs: 0 });
    expect(v.pkt.ct?.kind === 'tracked' ? v.pkt.ct.entry.mark : undefined).toBe(0x5);
    expect(v.pkt.mark).toBe(0);
    const invalid = n.runHook('PREROUTING', nf(echo(B, A, 1, 1, { type: 129 }), { inDev: 'eth0' }), { nowUs: 0 });
    expect(invalid.pkt.ct).toBeUndefined();
  });
});

describe('LOG (nf_log_syslog.c, IPv6)', () => {
  const line = (pkt: NfPacket, prefix = 'p: ', flags = 0) => formatLogLine(pkt, prefix, flags);

  it('an echo request received on a device: MAC, addresses in full, header fields, type, code, id, seq, mark', () => {
    const mac = Uint8Array.of(0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x86, 0xdd);
    const pkt = nf(echo(A, B, 986, 3, { flowLabel: 0x2168f, trafficClass: 0 }), { inDev: 'eth0', macHeader: mac, mark: 0x9 });
    expect(line(pkt)).toBe(
      `p: IN=eth0 OUT= MAC=02:00:00:00:00:0b:02:00:00:00:00:0a:86:dd SRC=${FULL_A} DST=${FULL_B} LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=136847 PROTO=ICMPv6 TYPE=128 CODE=0 ID=986 SEQ=3 MARK=0x9 `,
    );
  });

  it('a locally sent packet has no MAC field', () => {
    expect(line(nf(udp(A, B, 57444, 7777), { outDev: 'eth0' }))).toBe(
      `p: IN= OUT=eth0 SRC=${FULL_A} DST=${FULL_B} LEN=49 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=UDP SPT=57444 DPT=7777 LEN=9 `,
    );
  });

  it('an ESP packet stops after FLOWLBL: no PROTO and no MARK (kernel-semantics §6.3)', () => {
    expect(line(nf(esp(A, B, 0x100), { outDev: 'eth0', mark: 0x1255 }))).toBe(
      `p: IN= OUT=eth0 SRC=${FULL_A} DST=${FULL_B} LEN=112 TC=0 HOPLIMIT=64 FLOWLBL=0 `,
    );
  });

  it('--log-ip-options names AH and ESP with their SPI', () => {
    const ah = line(nf(ahTransport(echo(A, B, 1), 0x300), { outDev: 'eth0' }), 'p: ', LOG_IPOPT);
    expect(ah).toContain('FLOWLBL=0 OPT ( AH SPI=0x300 ) PROTO=ICMPv6 TYPE=128 CODE=0 ID=1 SEQ=1 ');
    expect(line(nf(esp(A, B, 0x100), { outDev: 'eth0' }), 'p: ', LOG_IPOPT)).toMatch(/FLOWLBL=0 OPT \( ESP SPI=0x100 \)$/);
  });

  it('TCP: flags in kernel order, sequence numbers and options on request', () => {
    const seg = tcp(A, B, 36228, 7777, TH.ACK | TH.PSH, {
      seq: 101,
      ack: 501,
      window: 507,
      options: Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2),
    });
    expect(line(nf(seg, { outDev: 'eth0' }))).toContain('PROTO=TCP SPT=36228 DPT=7777 WINDOW=507 RES=0x00 ACK PSH URGP=0 ');
    expect(line(nf(seg, { outDev: 'eth0' }), 'p: ', LOG_TCPSEQ | LOG_TCPOPT)).toContain(
      'PROTO=TCP SPT=36228 DPT=7777 SEQ=101 ACK=501 WINDOW=507 RES=0x00 ACK PSH URGP=0 OPT (0101080A0000000100000002) ',
    );
  });

  it('an ICMPv6 error shows the packet it quotes in brackets', () => {
    const err = icmp6Error(B, A, 1, 4, udp(A, B, 57444, 7777));
    expect(line(nf(err, { outDev: 'eth0' }))).toBe(
      `p: IN= OUT=eth0 SRC=${FULL_B} DST=${FULL_A} LEN=97 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=ICMPv6 TYPE=1 CODE=4 [SRC=${FULL_A} DST=${FULL_B} LEN=49 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=UDP SPT=57444 DPT=7777 LEN=9 ] `,
    );
  });

  it('--log-macdecode splits the Ethernet header; --log-uid names the sending socket', () => {
    const mac = Uint8Array.of(0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x86, 0xdd);
    expect(line(nf(echo(A, B, 1), { inDev: 'eth0', macHeader: mac }), '', LOG_MACDECODE)).toContain(
      'IN=eth0 OUT= MACSRC=02:00:00:00:00:0a MACDST=02:00:00:00:00:0b MACPROTO=86dd SRC=',
    );
    expect(line(nf(echo(A, B, 1), { outDev: 'eth0', socket: { uid: 1000, gid: 100 } }), '', LOG_UID)).toMatch(/SEQ=1 UID=1000 GID=100 $/);
  });

  it('a non-first fragment logs FRAG with offset and id, and its protocol without ports', () => {
    const frag = concatBytes(Uint8Array.of(IPPROTO.UDP, 0, 0x05, 0xa9, 0, 0, 0x12, 0x34), new Uint8Array(16));
    expect(line(nf(ip6(A, B, IPPROTO.FRAGMENT, frag), { outDev: 'eth0' }))).toMatch(
      /FLOWLBL=0 FRAG:1448 INCOMPLETE ID:00001234 PROTO=UDP $/,
    );
  });

  it('a truncated transport header is INCOMPLETE with the bytes left', () => {
    const cut = tcp(A, B, 1, 2, TH.SYN).slice(0, 50);
    expect(line(nf(cut, { outDev: 'eth0' }))).toMatch(/PROTO=TCP INCOMPLETE \[10 bytes\] $/);
  });

  it('LOG runs with the level and prefix of the rule and lets the packet go on', () => {
    const n = new Netfilter();
    n.append('filter', 'INPUT', { target: { kind: 'LOG', prefix: 'in: ', level: 6, logflags: 0 } });
    n.append('filter', 'INPUT', { target: { kind: 'DROP' } });
    const got: [string, number][] = [];
    const v = n.runHook('INPUT', nf(echo(B, A, 1), { inDev: 'eth0' }), { nowUs: 0, log: (l, level) => got.push([l, level]) });
    expect(v.kind).toBe('drop');
    expect(got).toHaveLength(1);
    expect(got[0]![1]).toBe(6);
    expect(got[0]![0]).toMatch(/^in: IN=eth0 OUT= MAC= SRC=/);
  });
});
