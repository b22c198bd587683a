/** Types of compare.mjs (one case's kernel run against its xfrmsim run). */

export interface Section {
  readonly title: string;
  readonly kernel: string[];
  readonly xfrmsim: string[];
}
export function wire(text: string, opts?: { keepMld?: boolean }): string[];
export function checkLines(text: string): string[];
export interface CaseRule {
  readonly why: string;
  readonly saCounts?: false;
  readonly frameOrder?: false;
  readonly mld?: true;
}
export const CASE_RULES: Readonly<Record<string, CaseRule>>;
export function sections(kernelDir: string, simDir: string, opts?: { pcapText?: (pcap: string) => string; name?: string }): Section[];
export function describeDiff(secs: Section[]): string;
export function unifiedHunks(a: string[], b: string[], context: number): string;
