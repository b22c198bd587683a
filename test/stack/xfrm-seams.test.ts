import { describe, expect, test } from 'vitest';
import { ping } from '../../src/stack/ping.js';
import type { XfrmSeams } from '../../src/stack/xfrm-seams.js';
import { NO_XFRM } from '../../src/stack/xfrm-seams.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { readIpv6 } from '../../src/wire/ipv6.js';
import { ip, pair } from './helpers.js';

const SA = { proto: 'esp' as const, spi: 0x10e1, reqid: 0, mode: 'transport' as const, src: ip('4321::1'), dst: ip('4321::2') };

/** A stand-in transform for the seams only: "ESP" here is the next-header byte followed by the clear payload. */
function fakeEncap(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes.subarray(0, 40));
  out[6] = 50;
  out[40] = bytes[6]!;
  out.set(bytes.subarray(40), 41);
  const plen = bytes.length + 1 - 40;
  out[4] = plen >> 8;
  out[5] = plen & 0xff;
  return out;
}

function fakeDecap(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - 1);
  out.set(bytes.subarray(0, 40));
  out[6] = bytes[40]!;
  out.set(bytes.subarray(41), 40);
  const plen = out.length - 40;
  out[4] = plen >> 8;
  out[5] = plen & 0xff;
  return out;
}

const protectEchoRequests: XfrmSeams = {
  ...NO_XFRM,
  lookupOutput: (flow) =>
    flow.proto === 58 && flow.sport === 128
      ? {
          kind: 'bundle',
          bundle: [SA],
          detail: 'policy dst 4321::2/128 -> esp transport',
          transform: (b) => ({ kind: 'transformed', packets: [fakeEncap(b)], detail: 'esp spi 0x000010e1' }),
        }
      : { kind: 'no-policy' },
};

const acceptEsp: XfrmSeams = {
  ...NO_XFRM,
  receive: (bytes) => ({ kind: 'decapsulated', bytes: fakeDecap(bytes), secPath: [SA], mode: 'transport', detail: 'esp spi 0x000010e1' }),
  // Only echo requests need ESP: a policy that also covered ND would block the NS (see the next test).
  checkInput: (b, secPath) =>
    b[6] === 58 && b[40] === 128 && secPath.length === 0
      ? { kind: 'drop', counter: 'XfrmInTmplMismatch', detail: 'echo request without esp' }
      : { kind: 'pass', ...(secPath.length ? { detail: 'policy in: esp' } : {}) },
};

describe('the xfrm seams', () => {
  test('a bundle transforms after the plain POSTROUTING pass and the result passes OUTPUT and POSTROUTING again', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    a.xfrm = protectEchoRequests;
    b.xfrm = acceptEsp;
    const cap = a.device('eth0').startCapture();
    const r = ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    const nextHeaders = cap.records.map(
      (x) => readIpv6((parseEthernet(x.frame) as { value: { payload: Uint8Array } }).value.payload).nextHeader,
    );
    expect(nextHeaders).toEqual([58, 58, 50, 58]);
    const first = w.trace.packets()[0]!;
    const steps = w.trace
      .ofPacket(first)
      .map((e) =>
        e.step.kind === 'hook' ? `${e.host} ${e.step.hook}${e.step.note ? ` ${e.step.note}` : ''}` : `${e.host} ${e.step.kind}`,
      );
    expect(steps.slice(0, 9)).toEqual([
      'a created',
      'a route',
      'a xfrm',
      'a OUTPUT',
      'a POSTROUTING',
      'a xfrm',
      'a OUTPUT second pass',
      'a POSTROUTING second pass',
      'a queued',
    ]);
    // b: the ESP packet passes PREROUTING and INPUT, is decapsulated, and the inner packet passes them again.
    const bHooks = w.trace
      .ofPacket(first)
      .filter((e) => e.host === 'b' && e.step.kind === 'hook')
      .map((e) => (e.step.kind === 'hook' ? e.step.hook : ''));
    expect(bHooks).toEqual(['PREROUTING', 'INPUT', 'PREROUTING', 'INPUT']);
  });

  test('an inbound policy check failure drops with its counter after INPUT', () => {
    const w = pair();
    const b = w.host('b');
    b.xfrm = { ...NO_XFRM, checkInput: () => ({ kind: 'drop', counter: 'XfrmInNoPols', detail: 'policy requires esp' }) };
    const r = ping(w.host('a'), ip('4321::2'), { count: 1, timeoutUs: 4_000_000 });
    // The NS to b is checked too (probe_nd_failure_loopback: XfrmInTmplMismatch=3 on b for a's three NS).
    expect(r.received).toBe(0);
    expect(b.counter('XfrmInNoPols')).toBe(3);
  });

  test('block gives the sender EPERM and nothing leaves', () => {
    const w = pair();
    const a = w.host('a');
    a.xfrm = {
      ...NO_XFRM,
      lookupOutput: (f) => (f.sport === 128 ? { kind: 'block', counter: 'XfrmOutPolBlock', detail: 'block' } : { kind: 'no-policy' }),
    };
    const cap = a.device('eth0').startCapture();
    const r = ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.lines).toContain('ping: sendmsg: Operation not permitted');
    expect(a.counter('XfrmOutPolBlock')).toBe(1);
    expect(cap.records).toHaveLength(0);
  });

  test('no state drops silently with its counter: the sender sees success', () => {
    const w = pair();
    const a = w.host('a');
    a.xfrm = {
      ...NO_XFRM,
      lookupOutput: (f) => (f.sport === 128 ? { kind: 'no-state', counter: 'XfrmOutNoStates', detail: 'no SA' } : { kind: 'no-policy' }),
    };
    const r = ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.lines.some((l) => l.startsWith('ping:'))).toBe(false);
    expect(r.transmitted).toBe(1);
    expect(a.counter('XfrmOutNoStates')).toBe(1);
  });

  test('without xfrm, an ESP packet finds no state: XfrmInNoStates', () => {
    const w = pair();
    const a = w.host('a');
    a.xfrm = protectEchoRequests;
    ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(w.host('b').counter('XfrmInNoStates')).toBe(1);
  });

  test('a mark set by mangle OUTPUT re-routes the packet and repeats the xfrm lookup with the new mark', () => {
    const w = pair();
    const a = w.host('a');
    a.netfilter.append('mangle', 'OUTPUT', {
      proto: { num: 58 },
      matches: [{ kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 }],
      target: { kind: 'MARK', mark: 1, mask: 0xffffffff },
    });
    a.xfrm = {
      ...protectEchoRequests,
      lookupOutput: (flow, ctx) => (flow.mark === 1 ? protectEchoRequests.lookupOutput(flow, ctx) : { kind: 'no-policy' }),
    };
    w.host('b').xfrm = acceptEsp;
    const r = ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    const text = w.trace.renderText();
    expect(text).toContain('re-route (mark 0x1)');
    expect(w.host('b').counter('XfrmInTmplMismatch')).toBe(0);
  });

  test('flows carry oif 0 for an unbound socket, the device for ping -I, and lo for the in check (kernel-semantics 1.3)', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    const outOifs: number[] = [];
    const inOifs: number[] = [];
    a.xfrm = {
      ...NO_XFRM,
      lookupOutput: (f) => {
        if (f.sport === 128) outOifs.push(f.oif ?? -1);
        return { kind: 'no-policy' };
      },
    };
    b.xfrm = {
      ...NO_XFRM,
      checkInput: (bytes, _sp, _ctx, meta) => {
        if (bytes[40] === 128) inOifs.push(meta.oif);
        return { kind: 'pass' };
      },
    };
    ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000, oif: 'eth0' });
    expect(outOifs).toEqual([0, a.device('eth0').ifindex]);
    expect(inOifs).toEqual([1, 1]);
  });
});
