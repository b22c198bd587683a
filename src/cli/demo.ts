/** `xfrmsim demo`: a short tour of what exists so far. */

export function runDemo(): string {
  return 'xfrmsim: foundation only\n';
}
