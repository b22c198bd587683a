/** Refused ip6tables changes with the errno and text ip6tables-legacy 1.8.9 prints (libiptc.c TC_STRERROR, ip6tables-standalone.c). */

/** errno values libiptc and the kernel's table replacement answer with. */
export type XtablesErrno = 'ENOENT' | 'EEXIST' | 'EINVAL' | 'E2BIG' | 'EMLINK' | 'ENOTEMPTY' | 'ELOOP';

/** strerror(3) (glibc) for each, used when libiptc has no message of its own for the failing call. */
export const XTABLES_STRERROR: Readonly<Record<XtablesErrno, string>> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EINVAL: 'Invalid argument',
  E2BIG: 'Argument list too long',
  EMLINK: 'Too many links',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
};

/**
 * A change the table refuses; nothing was changed. `message` is what libiptc's strerror gives:
 * its own text when the failing libiptc call has one for that errno, else strerror(errno). Which
 * call "failed" follows libiptc's global iptc_fn, which inner calls overwrite: deleting a chain
 * with references ends in TC_GET_REFERENCES, so it says "Too many links", not libiptc's
 * "Can't delete chain with references left".
 */
export class XtablesError extends Error {
  constructor(
    readonly errno: XtablesErrno,
    message: string,
    /** The kernel log line an EINVAL from a match or target check leaves (dmesg). */
    readonly dmesg?: string,
  ) {
    super(message);
    this.name = 'XtablesError';
  }

  /** The line ip6tables prints on stderr (exit status 1). */
  toolMessage(program = 'ip6tables'): string {
    if (this.errno === 'EINVAL') return `${program}: ${this.message}. Run \`dmesg' for more information.`;
    return `${program}: ${this.message}.`;
  }
}

// Messages by libiptc function, for the errno values it names itself (TC_STRERROR's table).
export const MSG_NO_CHAIN = 'No chain/target/match by that name';
export const MSG_BAD_RULE = 'Bad rule (does a matching rule exist in that chain?)';
export const MSG_INDEX_INSERT = 'Index of insertion too big';
export const MSG_INDEX_REPLACE = 'Index of replacement too big';
export const MSG_INDEX_DELETE = 'Index of deletion too big';
export const MSG_INDEX_COUNTER = 'Index of counter too big';
export const MSG_CHAIN_EXISTS = 'Chain already exists';
export const MSG_BAD_BUILTIN = 'Bad built-in chain name';
export const MSG_BAD_POLICY = 'Bad policy name';

export function xtError(errno: XtablesErrno, message = XTABLES_STRERROR[errno], dmesg?: string): XtablesError {
  return new XtablesError(errno, message, dmesg);
}
