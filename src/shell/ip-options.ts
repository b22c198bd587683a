/** The global options of iproute2's `ip` that change what its subcommands print (ip/ip.c main: -s, -d, -o, -4/-6). */

export interface IpOptions {
  /** `-s` given this many times (`-s -s` prints more for some objects). */
  readonly stats: number;
  /** `-d`. */
  readonly details: boolean;
  /** `-o`: one record per line, line breaks as `\`. */
  readonly oneline: boolean;
  /** `-br`: one line per object in columns (only `ip -br link` is modelled). */
  readonly brief?: boolean;
  /** `-4`, `-6` or `-f FAMILY`; undefined = all families. */
  readonly family?: 'inet' | 'inet6';
}

export const DEFAULT_IP_OPTIONS: IpOptions = { stats: 0, details: false, oneline: false };
