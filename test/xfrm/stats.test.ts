import { describe, expect, it } from 'vitest';
import { formatXfrmStat, isXfrmStatName, XFRM_STAT_NAMES, XfrmStats } from '../../src/xfrm/stats.js';

describe('XfrmStats and /proc/net/xfrm_stat', () => {
  it('lists the 28 counters of Linux 6.1 in xfrm_proc.c order', () => {
    expect(XFRM_STAT_NAMES.length).toBe(28);
    expect(XFRM_STAT_NAMES[0]).toBe('XfrmInError');
    expect(XFRM_STAT_NAMES.at(-1)).toBe('XfrmAcquireError');
    expect(XFRM_STAT_NAMES.indexOf('XfrmFwdHdrError')).toBe(XFRM_STAT_NAMES.indexOf('XfrmOutPolError') + 1);
  });

  it('prints each line as seq_printf("%-24s\\t%lu\\n") does', () => {
    const s = new XfrmStats();
    s.inc('XfrmInNoStates');
    s.inc('XfrmInNoStates');
    const lines = s.format().split('\n');
    expect(lines.length).toBe(29);
    expect(lines[0]).toBe('XfrmInError             \t0');
    expect(lines[3]).toBe('XfrmInNoStates          \t2');
    // The longest name fills the 24 columns exactly.
    expect(lines[XFRM_STAT_NAMES.indexOf('XfrmOutBundleCheckError')]).toBe('XfrmOutBundleCheckError \t0');
    expect(lines[XFRM_STAT_NAMES.indexOf('XfrmOutStateProtoError')]).toBe('XfrmOutStateProtoError  \t0');
    expect(lines.at(-1)).toBe('');
  });

  it('formats a snapshot the same way', () => {
    const s = new XfrmStats();
    s.inc('XfrmAcquireError');
    expect(formatXfrmStat(s.snapshot())).toBe(s.format());
  });

  it('knows its names', () => {
    expect(isXfrmStatName('XfrmOutNoStates')).toBe(true);
    expect(isXfrmStatName('Ip6InNoRoutes')).toBe(false);
  });
});
