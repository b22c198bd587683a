import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';
import {
  decodeTcpOptions,
  emitTcp,
  emitTcpUnchecked,
  encodeTcpOptions,
  NO_TCP_FLAGS,
  parseTcp,
  TCP_CHECKSUM,
  TCP_DATA_OFFSET,
  TCP_FLAG,
  TCP_FLAGS,
  TCP_HEADER_LENGTH,
  TCP_OPTIONS,
  type TcpOption,
  tcpChecksumOk,
  tcpFlags,
  tcpFlagsFromByte,
  tcpFlagsToByte,
  tcpHeaderLength,
  tcpLength,
} from '../../src/wire/tcp.js';
import { KERNEL_SYN, packet } from './kernel-captures.js';

// Kernel capture router_as_intended router_eth0 (oracle/article), a TCP connection 4321::2.36228 -> 4444::2.7777.
const CAP = 'router_as_intended__router_eth0.pcap';
const CLIENT = ipv6('4321::2');
const SERVER = ipv6('4444::2');
const segment = (n: number) => packet(CAP, n).subarray(40);

const SYN_OPTIONS: TcpOption[] = [
  { kind: 'mss', value: 1440 },
  { kind: 'sack-permitted' },
  { kind: 'timestamps', tsval: 1507555373, tsecr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];

describe('TCP', () => {
  it('parseTcp() reads every field of the kernel SYN (deconstruct)', () => {
    const r = expectOk(parseTcp(segment(9)));
    expect(r).toEqual({ ...KERNEL_SYN, headerLength: 40, checksum: 0x4240, reserved: 0 });
    expect(tcpChecksumOk(CLIENT, SERVER, segment(9))).toBe(true);
  });

  it('emitTcp() writes the kernel SYN byte for byte, checksum 0x4240 included (construct)', () => {
    expect(toHex(emitTcp(KERNEL_SYN, CLIENT, SERVER))).toBe(toHex(segment(9)));
  });

  it('tcpHeaderLength() and tcpLength() count header, options and payload (length)', () => {
    expect(tcpHeaderLength(KERNEL_SYN)).toBe(40);
    expect(tcpLength({ ...KERNEL_SYN, payload: new Uint8Array(5) })).toBe(45);
    expect(tcpHeaderLength({ ...KERNEL_SYN, options: new Uint8Array(3) })).toBe(24);
  });

  it('parseTcp() reports truncation for every prefix shorter than the header (check-length)', () => {
    const syn = segment(9);
    for (let n = 0; n < 40; n++) {
      const r = parseTcp(syn.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: n < 20 ? 'tcp' : 'tcp.options' });
    }
  });

  it('emitTcp() computes the checksum tcpdump expects where the kernel left it to offload', () => {
    // Frame 10, tcpdump -vv: "Flags [S.], cksum 0x8797 (incorrect -> 0x380e), seq 4061326496, ack 367127931, win 64260":
    // the sender's checksum was still partial (veth offload), tcpdump computed 0x380e.
    const synAck = segment(10);
    const r = expectOk(parseTcp(synAck));
    expect(r).toMatchObject({ seq: 4061326496, ack: 367127931, window: 64260, checksum: 0x8797 });
    expect(r.flags).toEqual(tcpFlags({ syn: true, ack: true }));
    expect(tcpChecksumOk(SERVER, CLIENT, synAck)).toBe(false);
    const out = emitTcp(r, SERVER, CLIENT);
    expect((out[TCP_CHECKSUM]! << 8) | out[TCP_CHECKSUM + 1]!).toBe(0x380e);
    expect(toHex(out.subarray(0, 16))).toBe(toHex(synAck.subarray(0, 16)));
  });

  it('parseTcp() and emitTcp() agree with the kernel ACK and FIN segments', () => {
    // Frame 12: "Flags [.], cksum 0x5fcf (correct), seq 1, ack 1, win 507, options [nop,nop,TS val 1507555374 ecr 4146869852]";
    // frame 14: "Flags [F.], cksum 0x5fcb (correct), seq 1, ack 1, win 507, options [nop,nop,TS val 1507555377 ecr 4146869852]".
    for (const [n, flags, sum, tsval] of [
      [12, tcpFlags({ ack: true }), 0x5fcf, 1507555374],
      [14, tcpFlags({ fin: true, ack: true }), 0x5fcb, 1507555377],
    ] as const) {
      const s = segment(n);
      const r = expectOk(parseTcp(s));
      expect(r).toMatchObject({ seq: 367127931, ack: 4061326497, window: 507, checksum: sum, headerLength: 32 });
      expect(r.flags).toEqual(flags);
      expect(expectOk(decodeTcpOptions(r.options))).toEqual([
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'timestamps', tsval, tsecr: 4146869852 },
      ]);
      expect(toHex(emitTcp(r, CLIENT, SERVER))).toBe(toHex(s));
    }
  });

  it('parseTcp() refuses a data offset below 5 words', () => {
    const bad = segment(9).slice();
    bad[TCP_DATA_OFFSET] = 0x40;
    const r = parseTcp(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'tcp.dataOffset' });
  });

  it('parseTcp() keeps the payload after the options and the reserved bits', () => {
    const seg = emitTcpUnchecked({ ...KERNEL_SYN, options: new Uint8Array(0), payload: fromHex('deadbeef') });
    seg[TCP_DATA_OFFSET]! |= 0x01;
    const r = expectOk(parseTcp(seg));
    expect(toHex(r.payload)).toBe('deadbeef');
    expect(r.reserved).toBe(1);
    expect(r.headerLength).toBe(TCP_HEADER_LENGTH);
  });

  it('emitTcp() pads options to 4 bytes with zeros and refuses more than 40', () => {
    const out = emitTcpUnchecked({ ...KERNEL_SYN, options: fromHex('010101') });
    expect(toHex(out.subarray(TCP_OPTIONS, TCP_OPTIONS + 4))).toBe('01010100');
    expect(out[TCP_DATA_OFFSET]).toBe(0x60);
    expect(() => emitTcpUnchecked({ ...KERNEL_SYN, options: new Uint8Array(41) })).toThrow(/exceed 40/);
  });

  it('tcpFlagsToByte() and tcpFlagsFromByte() use the RFC 9293 bit positions', () => {
    expect(tcpFlagsToByte(tcpFlags({ syn: true, ack: true }))).toBe(0x12);
    expect(tcpFlagsToByte(tcpFlags({ fin: true, psh: true, urg: true, cwr: true }))).toBe(0xa9);
    expect(tcpFlagsToByte(NO_TCP_FLAGS)).toBe(0);
    for (let b = 0; b < 256; b++) expect(tcpFlagsToByte(tcpFlagsFromByte(b))).toBe(b);
    expect(TCP_FLAG).toEqual({ FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 });
    const s = emitTcpUnchecked({ ...KERNEL_SYN, flags: tcpFlags({ rst: true, ece: true }) });
    expect(s[TCP_FLAGS]).toBe(0x44);
  });

  it('tcpChecksumOk() fails when the pseudo-header changes', () => {
    expect(tcpChecksumOk(CLIENT, ipv6('4444::3'), segment(9))).toBe(false);
  });
});

describe('TCP options', () => {
  it('decodeTcpOptions() reads the kernel SYN options as tcpdump prints them', () => {
    expect(expectOk(decodeTcpOptions(KERNEL_SYN.options))).toEqual(SYN_OPTIONS);
  });

  it('encodeTcpOptions() writes the kernel SYN option bytes', () => {
    expect(toHex(encodeTcpOptions(SYN_OPTIONS))).toBe(toHex(KERNEL_SYN.options));
  });

  it('decodeTcpOptions() reads SACK blocks (RFC 2018 section 3)', () => {
    const sack = fromHex('0101' + '0512' + '00000064000000c8' + '0000012c00000190');
    const opts = expectOk(decodeTcpOptions(sack));
    expect(opts).toEqual([
      { kind: 'nop' },
      { kind: 'nop' },
      {
        kind: 'sack',
        blocks: [
          { left: 100, right: 200 },
          { left: 300, right: 400 },
        ],
      },
    ]);
    expect(toHex(encodeTcpOptions(opts))).toBe(toHex(sack));
  });

  it('decodeTcpOptions() stops after EOL, as tcp_parse_options does', () => {
    expect(expectOk(decodeTcpOptions(fromHex('0100020405b4')))).toEqual([{ kind: 'nop' }, { kind: 'eol' }]);
  });

  it('decodeTcpOptions() treats an unknown kind, or a known kind of the wrong length, as unknown', () => {
    expect(expectOk(decodeTcpOptions(fromHex('1e0400ff' + '020305')))).toEqual([
      { kind: 'unknown', type: 30, data: fromHex('00ff') },
      { kind: 'unknown', type: 2, data: fromHex('05') },
    ]);
    expect(toHex(encodeTcpOptions([{ kind: 'unknown', type: 30, data: fromHex('00ff') }]))).toBe('1e0400ff');
  });

  it('decodeTcpOptions() refuses a length below 2, and reports an option cut by the end as truncated', () => {
    // Where tcp_parse_options silently stops; tcpdump prints these lists with "[bad opt]".
    expect(decodeTcpOptions(fromHex('01020105'))).toEqual({
      ok: false,
      error: { kind: 'malformed', what: 'tcp.option', detail: 'kind 2 at byte 1 has length 1, less than 2' },
    });
    expect(decodeTcpOptions(fromHex('080a0000'))).toEqual({
      ok: false,
      error: { kind: 'truncated', what: 'tcp.option', detail: 'kind 8 at byte 0 has length 10, 4 bytes are left' },
    });
    expect(decodeTcpOptions(fromHex('010102'))).toEqual({
      ok: false,
      error: { kind: 'truncated', what: 'tcp.option', detail: 'kind 2 at byte 2 has no length byte' },
    });
    expect(expectOk(decodeTcpOptions(new Uint8Array(0)))).toEqual([]);
  });

  it('decodeTcpOptions() reports truncation for every cut inside the kernel SYN options', () => {
    // Option boundaries of "mss 1440, sackOK, TS, nop, wscale 7": 0, 4, 6, 16, 17, 20.
    for (let n = 1; n < KERNEL_SYN.options.length; n++) {
      const r = decodeTcpOptions(KERNEL_SYN.options.subarray(0, n));
      if ([4, 6, 16, 17].includes(n)) expect(r.ok).toBe(true);
      else expect([n, r.ok ? 'ok' : r.error.kind]).toEqual([n, 'truncated']);
    }
  });

  it('encodeTcpOptions() writes EOL as one zero byte', () => {
    expect(toHex(encodeTcpOptions([{ kind: 'nop' }, { kind: 'eol' }]))).toBe('0100');
  });
});
