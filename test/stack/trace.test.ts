import { describe, expect, test } from 'vitest';
import { ping } from '../../src/stack/ping.js';
import { ip, pair, settle } from './helpers.js';

describe('the trace', () => {
  test('renderText() shows each packet with its steps, the wire as tcpdump prints it, and how it ended', () => {
    const w = settle(pair());
    const r = ping(w.host('a'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000, id: 784 });
    expect(r.received).toBe(1);
    const text = w.trace.renderText();
    const block = text.split('\n#')[0]!.split('\n');
    expect(block[0]).toMatch(/^#\d+ a 4321::1 > 4321::2: ICMP6 echo request id 784 seq 1$/);
    expect(block).toContain('   a  OUTPUT');
    expect(block).toContain('   a  POSTROUTING');
    expect(block).toContain('   -- a:eth0 > b:eth0  IP6 4321::1 > 4321::2: ICMP6, echo request, id 784, seq 1, length 64');
    expect(block[block.length - 1]).toBe('   b  delivered    icmp6 echo responder');
  });

  test('a drop names its counter and reason', () => {
    const w = settle(pair());
    const b = w.host('b');
    b.netfilter.setPolicy('filter', 'INPUT', 'DROP');
    ping(w.host('a'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(w.trace.renderText()).toContain('   b  DROP         NETFILTER_DROP: netfilter INPUT policy: filter INPUT policy');
  });

  test('a REJECT rule sends the ICMPv6 error it names to the sender', () => {
    const w = settle(pair());
    w.host('b').netfilter.append('filter', 'INPUT', {
      proto: { num: 58 },
      matches: [{ kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 }],
      target: { kind: 'REJECT', with: 'icmp6-adm-prohibited' },
    });
    const r = ping(w.host('a'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.lines).toContain('From 4321::2 icmp_seq=1 Destination unreachable: Administratively prohibited');
  });

  test('a LOG rule writes its line to the host kernel log with the prefix', () => {
    const w = settle(pair());
    const b = w.host('b');
    b.netfilter.append('filter', 'INPUT', {
      proto: { num: 58 },
      matches: [{ kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 }],
      target: { kind: 'LOG', prefix: 'echo: ', level: 4, logflags: 0 },
    });
    ping(w.host('a'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(b.kernelLog).toHaveLength(1);
    expect(b.kernelLog[0]!.line).toMatch(
      /^echo: IN=eth0 OUT= MAC=\S+ SRC=4321:0000:0000:0000:0000:0000:0000:0001 DST=4321:0000:0000:0000:0000:0000:0000:0002 /,
    );
  });
});
