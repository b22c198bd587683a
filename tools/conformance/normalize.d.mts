/** Types of normalize.mjs (the shared normalisation of kernel and xfrmsim outputs). */

export interface NormalizeOptions {
  /** Leave out MLD messages (not modelled yet). */
  readonly dropMld: boolean;
  /** Leave out NUD probes and their answers (their timing follows the commands' real run time). */
  readonly dropNudProbes: boolean;
}

/** MLD messages (sent by the kernel on address changes, with random delays). */
export function isMld(line: string): boolean;
/** The target of a neighbour-unreachability probe (a solicitation to a unicast address), if the line is one. */
export function nudProbeTarget(line: string): string | undefined;
/** The capture's lines with random values replaced by aliases; the lines left out go before aliasing. */
export function normalizeCapture(text: string, opts: NormalizeOptions): string[];
/** results.txt as the oracle writes it, one entry per line, wall-clock times and MACs masked. */
export function resultLines(text: string): string[];
