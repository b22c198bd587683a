/** The contract every simulated command keeps: argv in, the real tool's stdout, stderr and exit status out (what a process gives its shell). */

/** What a command prints and the status it exits with, as the real tool would. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export function result(stdout: string, stderr = '', exitCode = 0): CommandResult {
  return { stdout, stderr, exitCode };
}

/** A failure in the tool's own words: the message goes to stderr, newline added. */
export function failure(message: string, exitCode: number): CommandResult {
  return { stdout: '', stderr: message.endsWith('\n') ? message : `${message}\n`, exitCode };
}

/** A command or option xfrmsim does not model yet: loud, never a plausible success. */
export function notModelled(what: string, exitCode = 2): CommandResult {
  return failure(`xfrmsim: ${what}: not modelled`, exitCode);
}
