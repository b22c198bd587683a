/** The per-namespace xfrm MIB and its /proc/net/xfrm_stat text (kernel: net/xfrm/xfrm_proc.c xfrm_mib_list, xfrm_statistics_seq_show). */

/** Every counter, in the order xfrm_mib_list prints them (Linux 6.1). */
export const XFRM_STAT_NAMES = [
  'XfrmInError',
  'XfrmInBufferError',
  'XfrmInHdrError',
  'XfrmInNoStates',
  'XfrmInStateProtoError',
  'XfrmInStateModeError',
  'XfrmInStateSeqError',
  'XfrmInStateExpired',
  'XfrmInStateMismatch',
  'XfrmInStateInvalid',
  'XfrmInTmplMismatch',
  'XfrmInNoPols',
  'XfrmInPolBlock',
  'XfrmInPolError',
  'XfrmOutError',
  'XfrmOutBundleGenError',
  'XfrmOutBundleCheckError',
  'XfrmOutNoStates',
  'XfrmOutStateProtoError',
  'XfrmOutStateModeError',
  'XfrmOutStateSeqError',
  'XfrmOutStateExpired',
  'XfrmOutPolBlock',
  'XfrmOutPolDead',
  'XfrmOutPolError',
  'XfrmFwdHdrError',
  'XfrmOutStateInvalid',
  'XfrmAcquireError',
] as const;

export type XfrmStatName = (typeof XFRM_STAT_NAMES)[number];

const KNOWN: ReadonlySet<string> = new Set(XFRM_STAT_NAMES);

/** Whether `name` is a counter of /proc/net/xfrm_stat (for callers holding a plain string). */
export function isXfrmStatName(name: string): name is XfrmStatName {
  return KNOWN.has(name);
}

/** One namespace's counters. They only ever grow, as the kernel's unsigned long MIB does. */
export class XfrmStats {
  private readonly values = new Map<XfrmStatName, number>(XFRM_STAT_NAMES.map((n) => [n, 0]));

  /** XFRM_INC_STATS. */
  inc(name: XfrmStatName): void {
    this.values.set(name, this.get(name) + 1);
  }

  get(name: XfrmStatName): number {
    return this.values.get(name) ?? 0;
  }

  /** A copy of every counter, in /proc order. */
  snapshot(): Readonly<Record<XfrmStatName, number>> {
    const out = {} as Record<XfrmStatName, number>;
    for (const n of XFRM_STAT_NAMES) out[n] = this.get(n);
    return out;
  }

  /** What `cat /proc/net/xfrm_stat` prints: seq_printf(seq, "%-24s\t%lu\n", name, value) per counter. */
  format(): string {
    return formatXfrmStat(this.snapshot());
  }
}

/** The /proc/net/xfrm_stat text for these values: each name padded to 24 columns, a tab, the value. */
export function formatXfrmStat(values: Readonly<Record<XfrmStatName, number>>): string {
  let out = '';
  for (const n of XFRM_STAT_NAMES) out += `${n.padEnd(24)}\t${values[n]}\n`;
  return out;
}
