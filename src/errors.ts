/** Typed configuration errors: what the kernel answers a refused request with (errno plus optional extack text). */

/** errno names the model returns, with the text strerror(3) gives (glibc), as `RTNETLINK answers: ...` prints it. */
export const ERRNO_TEXT = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  E2BIG: 'Argument list too long',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  ENOSYS: 'Function not implemented',
  ENOBUFS: 'No buffer space available',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EOPNOTSUPP: 'Operation not supported',
  EPROTONOSUPPORT: 'Protocol not supported',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  ERANGE: 'Numerical result out of range',
  EMSGSIZE: 'Message too long',
  EPROTO: 'Protocol error',
  EADDRINUSE: 'Address already in use',
  ENOTCONN: 'Transport endpoint is not connected',
  EISCONN: 'Transport endpoint is already connected',
  EDESTADDRREQ: 'Destination address required',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EALREADY: 'Operation already in progress',
  EINPROGRESS: 'Operation now in progress',
  ELOOP: 'Too many levels of symbolic links',
  EPIPE: 'Broken pipe',
} as const;

export type Errno = keyof typeof ERRNO_TEXT;

/**
 * A request the model refuses, as the kernel would: `errno` always, and `extack` when the kernel
 * attaches a message (iproute2 then prints `Error: <extack>.` instead of `RTNETLINK answers: ...`).
 */
export class ConfigError extends Error {
  constructor(
    readonly errno: Errno,
    readonly extack?: string,
  ) {
    super(extack ?? ERRNO_TEXT[errno]);
    this.name = 'ConfigError';
  }

  /** The text strerror(3) gives for the errno. */
  get strerror(): string {
    return ERRNO_TEXT[this.errno];
  }
}
