import { describe, expect, it } from 'vitest';
import type { XfrmEvent } from '../../src/xfrm/namespace.js';
import { addPolicy, echoFlow, echoPacket, makeNs, outCtx, sa } from './engine-helpers.js';

/** A listener that keeps the type of each event it gets. */
function record(): { types: string[]; events: XfrmEvent[]; deliver: (e: XfrmEvent) => void } {
  const events: XfrmEvent[] = [];
  return {
    events,
    get types() {
      return events.map((e) => e.type);
    },
    deliver: (e) => events.push(e),
  };
}

describe('XfrmNamespace event stream (km_state_notify, km_policy_notify, km_query)', () => {
  it('keyManagerListening is true exactly while some listener is in the acquire group (km_is_alive)', () => {
    const ns = makeNs();
    expect(ns.keyManagerListening).toBe(false);
    const leaveSa = ns.subscribe(['sa', 'policy'], () => {});
    expect(ns.keyManagerListening).toBe(false);
    const leave = ns.subscribe(['acquire'], () => {});
    expect(ns.keyManagerListening).toBe(true);
    leave();
    expect(ns.keyManagerListening).toBe(false);
    leaveSa();
  });

  it('an output miss with a listener gives one larval SA and one acquire; the next miss finds the acquire in progress', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'ah' }] });
    const r = record();
    ns.subscribe(['acquire', 'expire', 'sa', 'policy'], r.deliver);
    expect(ns.lookupOutput(echoFlow(), outCtx()).kind).toBe('no-state');
    expect(ns.lookupOutput(echoFlow(), outCtx()).kind).toBe('no-state');
    expect(r.types).toEqual(['acquire']);
    expect(ns.sad.count()).toBe(1);
    const acq = r.events[0];
    if (acq?.type !== 'acquire') throw new Error('expected an acquire');
    expect(acq.state.kmState).toBe('acq');
    expect(acq.policy.dir).toBe('out');
    expect(acq.tmpl.proto).toBe('ah');
  });

  it('a listener gets only the groups it joined', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'ah' }] });
    const acquireOnly = record();
    const saOnly = record();
    ns.subscribe(['acquire'], acquireOnly.deliver);
    ns.subscribe(['sa'], saOnly.deliver);
    ns.lookupOutput(echoFlow(), outCtx());
    ns.notify(ns.sad.add(sa({ spi: 0x100 }), 0).events);
    expect(acquireOnly.types).toEqual(['acquire']);
    expect(saOnly.types).toEqual(['newsa']);
  });

  it('events reach every listener in the order given, and a listener that left gets nothing', () => {
    const ns = makeNs();
    const r = record();
    const gone = record();
    ns.subscribe(['sa', 'policy'], r.deliver);
    const leave = ns.subscribe(['sa', 'policy'], gone.deliver);
    leave();
    const x = ns.sad.add(sa({ spi: 0x100 }), 0);
    ns.notify([...x.events, { type: 'flushpolicy', ptype: 'main' }, ...ns.sad.flush().events]);
    expect(r.types).toEqual(['newsa', 'flushpolicy', 'flushsa']);
    expect(gone.types).toEqual([]);
  });

  it('a hard packet limit reached while transforming reports one expire, after the lookup', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
    ns.sad.add({ ...sa({ spi: 0x100 }), lifetime: { hardPacketLimit: 1n } }, 0);
    const r = record();
    ns.subscribe(['expire'], r.deliver);
    const d = ns.lookupOutput(echoFlow(), outCtx());
    if (d.kind !== 'bundle') throw new Error(`expected a bundle, got ${d.kind}`);
    expect(r.types).toEqual([]);
    d.transform(echoPacket(), 0);
    const second = ns.lookupOutput(echoFlow(), outCtx());
    if (second.kind === 'bundle') second.transform(echoPacket(), 0);
    const expires = r.events.filter((e) => e.type === 'expire');
    expect(expires).toHaveLength(1);
    expect(expires[0]).toMatchObject({ type: 'expire', hard: true });
  });

  it('a larval SA lives net.core.xfrm_acq_expires as set when it is made, and its expiry is one hard expire', () => {
    const ns = makeNs();
    ns.setSysctl('acqExpires', 3);
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'ah' }] });
    const r = record();
    ns.subscribe(['acquire', 'expire'], r.deliver);
    ns.lookupOutput(echoFlow(), outCtx());
    ns.setSysctl('acqExpires', 30);
    const larval = ns.sad.list()[0];
    expect(larval?.lft.hardAddExpiresSeconds).toBe(3n);
    ns.runTimers(2_999_999);
    expect(ns.sad.count()).toBe(1);
    ns.runTimers(3_000_000);
    expect(ns.sad.count()).toBe(0);
    expect(r.types).toEqual(['acquire', 'expire']);
    expect(r.events[1]).toMatchObject({ type: 'expire', hard: true });
  });

  it('sysctl defaults are those of xfrm_sysctl_init, and larval_drop 0 is refused as not modelled', () => {
    const ns = makeNs();
    expect(ns.sysctl).toEqual({ larvalDrop: 1, acqExpires: 30, aeventEtime: 10, aeventRseqth: 2 });
    expect(() => ns.setSysctl('larvalDrop', 0)).toThrow(/not modelled/);
    ns.setSysctl('larvalDrop', 2);
    expect(ns.sysctl.larvalDrop).toBe(2);
  });
});
