/** Types of cases.mjs (the conformance cases and where their kernel recordings live). */

export interface Case {
  /** article/NAME, cases/NAME or scenarios/DIR/NAME. */
  readonly name: string;
  /** Absolute path of the script. */
  readonly script: string;
}
export const ROOT: string;
export const KERNEL_DIR: string;
export function allCases(): Case[];
export function selectCases(words: string[]): Case[];
export function recordedCases(): (Case & { readonly kernel: string })[];
