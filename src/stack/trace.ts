/** The trace recorder: every step of every packet, and its text rendering (no kernel counterpart; DESIGN.md "What a person sees"). */

import { TERMINAL_KINDS, type TraceEvent, type TraceStep } from './types.js';

export class Trace {
  readonly events: TraceEvent[] = [];
  private nextId = 1;
  /** Turn off for bulk runs: ids are still handed out, events are not kept. */
  enabled = true;

  newPacketId(): number {
    return this.nextId++;
  }

  record(timeUs: number, pkt: number, host: string, step: TraceStep): void {
    if (this.enabled) this.events.push({ timeUs, pkt, host, step });
  }

  /** The events of one packet, in order. */
  ofPacket(pkt: number): TraceEvent[] {
    return this.events.filter((e) => e.pkt === pkt);
  }

  /** Packet ids that have a `created` event, in order. */
  packets(): number[] {
    const ids: number[] = [];
    const seen = new Set<number>();
    for (const e of this.events) {
      if (!seen.has(e.pkt)) {
        seen.add(e.pkt);
        ids.push(e.pkt);
      }
    }
    return ids;
  }

  terminals(pkt: number): TraceEvent[] {
    return this.events.filter((e) => e.pkt === pkt && TERMINAL_KINDS.has(e.step.kind));
  }

  /** One block per packet: `#id host summary`, then one line per step. */
  renderText(): string {
    const byPacket = new Map<number, TraceEvent[]>();
    for (const e of this.events) {
      const list = byPacket.get(e.pkt);
      if (list) list.push(e);
      else byPacket.set(e.pkt, [e]);
    }
    const out: string[] = [];
    for (const [id, evs] of byPacket) {
      const first = evs[0]!;
      const head = first.step.kind === 'created' ? first.step.summary : '';
      out.push(`#${id} ${first.host} ${head}`.trimEnd());
      for (const e of evs) {
        if (e.step.kind === 'created') continue;
        out.push(renderStep(e));
      }
    }
    return `${out.join('\n')}\n`;
  }
}

function renderStep(e: TraceEvent): string {
  const s = e.step;
  const col = (label: string, rest: string) => `   ${e.host.padEnd(2)} ${label.padEnd(12)} ${rest}`.trimEnd();
  switch (s.kind) {
    case 'created':
      return col('created', s.summary);
    case 'hook': {
      const parts = s.steps.map((st) => {
        switch (st.kind) {
          case 'rule':
            return `${st.table}: ${st.chain} rule ${st.rule} -> ${st.target.kind}`;
          case 'policy':
            return `${st.table}: policy ${st.verdict}`;
          case 'conntrack':
            return `conntrack ${st.state}`;
          case 'return':
            return `${st.table}: ${st.chain} return`;
          case 'confirm':
            return `conntrack confirm #${st.entry}`;
        }
        return '';
      });
      const text = [s.note, ...parts].filter(Boolean).join('; ');
      return col(s.hook, s.verdict === 'ACCEPT' ? text : `${s.verdict} ${text}`.trim());
    }
    case 'route':
      return col('route', s.result);
    case 'nd':
      return col('nd', s.detail);
    case 'xfrm':
      return col(`xfrm ${s.seam}`, s.detail);
    case 'wire':
      return `   -- ${s.from}${s.to ? ` > ${s.to}` : ''}  ${s.summary}`;
    case 'rx':
      return col('rx', s.dev);
    case 'bridge':
      return col('bridge', s.detail);
    case 'queued':
      return col('queued', s.detail);
    case 'frag':
      return col('frag', s.detail);
    case 'delivered':
      return col('delivered', s.to);
    case 'consumed':
      return col('consumed', s.by);
    case 'dropped':
      return col('DROP', `${s.counter}: ${s.reason}`);
  }
}
