/** printPacket() and printPcap() as an API: never throwing, one state per run, UTC timestamps. */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../../src/wire/pcap.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { PrinterState, printPacket, printPacketDetailed, printPcap } from '../../../src/wire/tcpdump/print.js';
import { formatTimestamp } from '../../../src/wire/tcpdump/time.js';
import { eth, filler, ip6, TH, tcp, udp } from './packet-builder.js';

const fixture = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url))));

describe('printPacket()', () => {
  it('never throws on arbitrary bytes, whatever the wire length and verbosity', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom(0, 1, 2),
        fc.boolean(),
        (frame, extra, verbosity, linkHeader) => {
          const text = printPacket(frame, {
            timeUs: 1_700_000_000_000_000,
            verbosity: verbosity as 0 | 1 | 2,
            linkHeader,
            origLength: frame.length + extra,
          });
          expect(typeof text).toBe('string');
        },
      ),
    );
  });

  it('never throws on IPv6 headers followed by arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 120 }), fc.constantFrom(0, 1, 2), (nh, rest, verbosity) => {
        const text = printPacket(eth(ip6(nh, rest)), { timeUs: 0, verbosity: verbosity as 0 | 1 | 2 });
        expect(text.startsWith('00:00:00.000000 IP6 ')).toBe(true);
      }),
    );
  });

  it('gives the lines of printPcap() when fed the same records with one state', () => {
    const file = fixture('pcap/router_as_intended__router_eth0.pcap');
    const parsed = readPcap(file);
    if (!parsed.ok) throw new Error(parsed.error.detail);
    const state = new PrinterState();
    const lines = parsed.value.records.map((r) => printPacket(r.data, { timeUs: r.timeUs, verbosity: 2, origLength: r.origLength }, state));
    expect(lines.join('')).toBe(printPcap(file, { verbosity: 2 }));
  });

  it('ends every line in a newline, continuation lines of neighbour discovery options included', () => {
    // Recorded by tcpdump 4.99.3 -n -vv: solicitations and advertisements with option dumps.
    const expected = readFileSync(
      fileURLToPath(new URL('../../fixtures/tcpdump/mesh_as_intended_nd__link_n1.vv.txt', import.meta.url)),
      'utf8',
    );
    const parsed = readPcap(fixture('pcap/mesh_as_intended_nd__link_n1.pcap'));
    if (!parsed.ok) throw new Error(parsed.error.detail);
    const state = new PrinterState();
    const texts = parsed.value.records.map((r) => printPacket(r.data, { timeUs: r.timeUs, verbosity: 2, origLength: r.origLength }, state));
    expect(texts.every((t) => t.endsWith('\n'))).toBe(true);
    expect(texts.some((t) => t.includes('\n\t'))).toBe(true);
    expect(texts.join('')).toBe(expected);
  });

  it('prints TCP sequence numbers relative to the connection only when given the state of the run', () => {
    // Recorded by tcpdump 4.99.3: "Flags [.], seq 1, ack 1" for the third segment of a handshake.
    const expected = readFileSync(fileURLToPath(new URL('../../fixtures/tcpdump/printer-zoo.n.txt', import.meta.url)), 'utf8').split('\n');
    const parsed = readPcap(fixture('pcap/printer-zoo.pcap'));
    if (!parsed.ok) throw new Error(parsed.error.detail);
    const records = parsed.value.records;
    const line = expected.find((l) => l.includes('4321::2.36228 > 4444::2.7777: Flags [.], ack 1, win 507'));
    if (line === undefined) throw new Error('fixture line missing');
    const ackIndex = records.findIndex((r) => line.startsWith(formatTimestamp(r.timeUs)));
    expect(ackIndex).toBeGreaterThan(1);
    const state = new PrinterState();
    let text = '';
    for (let i = 0; i <= ackIndex; i++) {
      const r = records[i]!;
      text = printPacket(r.data, { timeUs: r.timeUs, verbosity: 0, origLength: r.origLength }, state);
    }
    expect(text).toBe(`${line}\n`);
    const r = records[ackIndex]!;
    expect(printPacket(r.data, { timeUs: r.timeUs, verbosity: 0 })).not.toBe(`${line}\n`);
  });
});

describe('printPacketDetailed()', () => {
  it('names the application decoder tcpdump would run on a UDP port we only print as UDP', () => {
    const dns = eth(ip6(IPPROTO.UDP, udp(40000, 53, filler(12))));
    expect(printPacketDetailed(dns, { timeUs: 0, verbosity: 0 }).unmodelled).toBe('udp port 40000 > 53');
  });

  it('prints ": HTTP" for port 80 data that is no request or response, and names the text printer for one that is', () => {
    // Recorded by tcpdump 4.99.3 -n -vv (cases/n_tcp_port_policy): "..., length 9: HTTP" for nc's "ping-tcp\n".
    const seg = (text: string) =>
      eth(
        ip6(IPPROTO.TCP, tcp({ sport: 40000, dport: 80, seq: 1, ack: 1, flags: TH.PSH | TH.ACK, payload: new TextEncoder().encode(text) })),
      );
    const plain = printPacketDetailed(seg('ping-tcp\n'), { timeUs: 0, verbosity: 2 });
    expect(plain.text.trimEnd().endsWith('length 9: HTTP')).toBe(true);
    expect(plain.unmodelled).toBeUndefined();
    expect(printPacketDetailed(seg('GET / HTTP/1.1\r\n\r\n'), { timeUs: 0, verbosity: 2 }).unmodelled).toBe(
      'tcp port 80: HTTP request or response text',
    );
    expect(printPacketDetailed(seg('HTTP/1.1 200 OK\r\n'), { timeUs: 0, verbosity: 2 }).unmodelled).toBe(
      'tcp port 80: HTTP request or response text',
    );
  });

  it('names a next header tcpdump decodes and we print as an unknown protocol', () => {
    const gre = eth(ip6(47, filler(8)));
    const printed = printPacketDetailed(gre, { timeUs: 0, verbosity: 0 });
    expect(printed.unmodelled).toBe('next header 47');
    expect(printed.text).toBe(printPacket(gre, { timeUs: 0, verbosity: 0 }));
  });

  it('reports nothing for the packets the kernel captures, all of which we model', () => {
    const parsed = readPcap(fixture('pcap/tunnel_as_intended__link_h1_r.pcap'));
    if (!parsed.ok) throw new Error(parsed.error.detail);
    for (const r of parsed.value.records) {
      expect(printPacketDetailed(r.data, { timeUs: r.timeUs, verbosity: 2, origLength: r.origLength }).unmodelled).toBeUndefined();
    }
  });
});

describe('printPcap()', () => {
  it('prints nothing for bytes that are not a pcap file, as tcpdump prints nothing on stdout', () => {
    expect(printPcap(Uint8Array.of(1, 2, 3), { verbosity: 0 })).toBe('');
  });
});

describe('formatTimestamp()', () => {
  it('prints the UTC time of day with microseconds, as TZ=UTC tcpdump does', () => {
    // printer-zoo.n.txt line 1: 1700000000 s after the epoch is 22:13:20 UTC.
    expect(formatTimestamp(1_700_000_000_000_000)).toBe('22:13:20.000000 ');
    expect(formatTimestamp(1_700_000_000_000_000 + 86_399_000_123)).toBe('22:13:19.000123 ');
  });
});
