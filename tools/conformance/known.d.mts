/** Types of known.mjs. */
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>>;
