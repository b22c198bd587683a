import { describe, expect, it } from 'vitest';
import * as xfrmsim from '../src/index.js';

describe('the public API', () => {
  it('offers each layer from one entry point', () => {
    for (const name of [
      'World',
      'ping',
      'Netfilter',
      'XfrmNamespace',
      'SpdIndexed',
      'SadIndexed',
      'printPacket',
      'prepareAuth',
      'readPcap',
      'parseIpv6',
    ]) {
      expect(typeof (xfrmsim as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('runs a ping between two hosts built with it alone', () => {
    const w = new xfrmsim.World({ seed: 'api' });
    for (const n of ['a', 'b']) {
      const h = w.addHost(n);
      h.setLinkUp('lo', true);
    }
    w.addVeth('a', 'eth0', 'b', 'eth0');
    w.host('a').setLinkUp('eth0', true);
    w.host('b').setLinkUp('eth0', true);
    xfrmsim.addAddress(w.host('a'), 'eth0', xfrmsim.ipv6('4321::1'), 64, { nodad: true });
    xfrmsim.addAddress(w.host('b'), 'eth0', xfrmsim.ipv6('4321::2'), 64, { nodad: true });
    const r = xfrmsim.ping(w.host('a'), xfrmsim.ipv6('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
  });
});
