/** tcpdump's default timestamp, `HH:MM:SS.uuuuuu`, here always in UTC (tcpdump 4.99.3 util-print.c ts_print, run with TZ=UTC). */

/** The timestamp and the space after it, for a capture time in microseconds since the epoch. */
export function formatTimestamp(timeUs: number): string {
  const sec = Math.floor(timeUs / 1e6);
  const usec = timeUs - sec * 1e6;
  // ts_date_hmsfrac_print refuses seconds with the top bit set (it treats time_t as 32 bits there).
  if (sec < 0 || sec >= 0x80000000) return '[Error converting time] ';
  const daySec = sec % 86400;
  const hh = Math.floor(daySec / 3600);
  const mm = Math.floor((daySec % 3600) / 60);
  const ss = daySec % 60;
  return `${two(hh)}:${two(mm)}:${two(ss)}.${String(usec).padStart(6, '0')} `;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
