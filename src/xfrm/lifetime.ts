/** SA lifetimes: byte/packet limits checked per packet, add/use time limits checked by the SA's timer (kernel: xfrm_state.c xfrm_state_check_expire, xfrm_timer_handler; include/uapi/linux/xfrm.h struct xfrm_lifetime_cfg, xfrm_lifetime_cur). */

/** XFRM_INF: (__u64)~0, "no limit" (iproute2 prints it as `(INF)`). */
export const XFRM_INF = 0xffff_ffff_ffff_ffffn;

/** struct xfrm_lifetime_cfg: u64 each, so bigint (a limit may be any u64 a script gives). */
export interface XfrmLifetimeConfig {
  readonly softByteLimit: bigint;
  readonly hardByteLimit: bigint;
  readonly softPacketLimit: bigint;
  readonly hardPacketLimit: bigint;
  /** Seconds after the SA was added; 0 = none. */
  readonly softAddExpiresSeconds: bigint;
  readonly hardAddExpiresSeconds: bigint;
  /** Seconds after the SA was first used (or from now, while unused); 0 = none. */
  readonly softUseExpiresSeconds: bigint;
  readonly hardUseExpiresSeconds: bigint;
}

/**
 * The lifetime `ip xfrm state add` sends when no `limit` is given: limits infinite, no time limits.
 * (A raw netlink request with a zeroed lifetime would get hard limits of 0 and expire on first use.)
 */
export const XFRM_LIFETIME_DEFAULT: XfrmLifetimeConfig = {
  softByteLimit: XFRM_INF,
  hardByteLimit: XFRM_INF,
  softPacketLimit: XFRM_INF,
  hardPacketLimit: XFRM_INF,
  softAddExpiresSeconds: 0n,
  hardAddExpiresSeconds: 0n,
  softUseExpiresSeconds: 0n,
  hardUseExpiresSeconds: 0n,
};

/** struct xfrm_lifetime_cur. Times are wall-clock seconds (ktime_get_real_seconds); useTime 0 = never used. */
export interface XfrmLifetimeCurrent {
  bytes: number;
  packets: number;
  addTime: number;
  useTime: number;
}

/**
 * xfrm_state_check_expire, the part that decides: limits are checked before the packet is counted,
 * so `limit packet-hard 2` lets packets 1 and 2 through and refuses the 3rd (VERIFIED e09). A soft
 * limit makes the SA dying once (the caller sends the soft EXPIRE).
 */
export function checkLimits(lft: XfrmLifetimeConfig, cur: XfrmLifetimeCurrent, dying: boolean): 'ok' | 'soft' | 'hard' {
  if (cur.bytes >= lft.hardByteLimit || cur.packets >= lft.hardPacketLimit) return 'hard';
  if (!dying && (cur.bytes >= lft.softByteLimit || cur.packets >= lft.softPacketLimit)) return 'soft';
  return 'ok';
}

/** What the SA timer keeps between runs (x->xflags XFRM_SOFT_EXPIRE, x->saved_tmo). */
export interface XfrmTimerMemory {
  readonly softArmed: boolean;
  readonly savedTmo: bigint;
}

export const XFRM_TIMER_MEMORY_INITIAL: XfrmTimerMemory = { softArmed: false, savedTmo: 0n };

/** The inputs of one run of the SA timer. */
export interface XfrmTimerInput {
  readonly lft: XfrmLifetimeConfig;
  readonly addTime: number;
  readonly useTime: number;
  /** Wall-clock seconds now. */
  readonly now: number;
  readonly dying: boolean;
  readonly memory: XfrmTimerMemory;
}

export type XfrmTimerOutcome =
  /** A hard time limit passed: the SA is deleted with a hard EXPIRE. */
  | { readonly kind: 'hard-expired' }
  | {
      readonly kind: 'checked';
      /** The SA's new dying flag, and whether a soft EXPIRE goes out now. */
      readonly dying: boolean;
      readonly softExpire: boolean;
      /** Seconds until the next run; undefined = the timer stops. May be <= 0 (run again at once). */
      readonly nextSeconds: bigint | undefined;
      readonly memory: XfrmTimerMemory;
      /** The kernel rewrites add_time in one corner (see below). */
      readonly addTime: number;
    };

/**
 * xfrm_timer_handler for a VALID or larval SA: hard add/use limits first (hard-expired), then, unless
 * the SA is already dying, the soft ones. The soft add limit "arms" itself when it is the nearest
 * event; if the timer then runs only after the hard limit (an update shortened it), the kernel
 * moves add_time so that the soft EXPIRE still comes first, as it does here.
 */
export function runLifetimeTimer(t: XfrmTimerInput): XfrmTimerOutcome {
  const now = BigInt(t.now);
  let addTime = BigInt(t.addTime);
  const useTime = t.useTime ? BigInt(t.useTime) : now;
  let next: bigint | undefined;
  let { softArmed, savedTmo } = t.memory;
  const consider = (tmo: bigint) => {
    if (next === undefined || tmo < next) next = tmo;
  };

  if (t.lft.hardAddExpiresSeconds) {
    let tmo = t.lft.hardAddExpiresSeconds + addTime - now;
    if (tmo <= 0n) {
      if (!softArmed) return { kind: 'hard-expired' };
      addTime = now - savedTmo - 1n;
      tmo = t.lft.hardAddExpiresSeconds - savedTmo;
    }
    consider(tmo);
  }
  if (t.lft.hardUseExpiresSeconds) {
    const tmo = t.lft.hardUseExpiresSeconds + useTime - now;
    if (tmo <= 0n) return { kind: 'hard-expired' };
    consider(tmo);
  }
  const finish = (dying: boolean, softExpire: boolean) =>
    ({ kind: 'checked', dying, softExpire, nextSeconds: next, memory: { softArmed, savedTmo }, addTime: Number(addTime) }) as const;
  if (t.dying) return finish(true, false);

  let warn = false;
  if (t.lft.softAddExpiresSeconds) {
    const tmo = t.lft.softAddExpiresSeconds + addTime - now;
    if (tmo <= 0n) {
      warn = true;
      softArmed = false;
    } else if (next === undefined || tmo < next) {
      next = tmo;
      softArmed = true;
      savedTmo = tmo;
    }
  }
  if (t.lft.softUseExpiresSeconds) {
    const tmo = t.lft.softUseExpiresSeconds + useTime - now;
    if (tmo <= 0n) warn = true;
    else consider(tmo);
  }
  return finish(warn, warn);
}
