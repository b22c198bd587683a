/**
 * /proc and /sys as filesystems of the script's shell, so that every program reads them as on
 * Linux (`grep -c Xfrm /proc/net/xfrm_stat`, `awk ... < /proc/net/snmp6`, `echo 1 >
 * /proc/sys/net/ipv6/conf/all/forwarding`), not only `cat`. A network namespace's files depend on
 * who reads them: the mount asks the shell for the namespace of the command running now.
 */

import type { CpOptions, FileContent, FsStat, IFileSystem, MkdirOptions, RmOptions } from 'just-bash';

type ReadFileOptions = Parameters<IFileSystem['readFile']>[1];

import type { Host } from '../stack/host.js';
import type { World } from '../stack/world.js';
import { listProcDir, readProcFile, writeProcFile } from './procfs.js';

/** A change of the tree itself (mkdir, rm, mv ... under /proc or /sys), which the kernel refuses. */
export class ProcWriteError extends Error {}

const EPOCH = new Date(0);

export class ProcMount implements IFileSystem {
  /**
   * Redirections the kernel refused (`echo abc > .../forwarding`). The interpreter drops an error
   * thrown while it writes a command's output (or ends the script on it), so bash's message and
   * status 1 cannot be given at the command; the shell reports these at the end of the script.
   */
  readonly refused: string[] = [];

  /**
   * @param prefix the mount point ("/proc" or "/sys"): the paths this filesystem receives are below it
   * @param hostNow the namespace of the command that is running
   * @param fallback what is there without the mount (the interpreter's own /proc/self)
   */
  constructor(
    private readonly prefix: string,
    private readonly world: World,
    private readonly hostNow: () => Host,
    private readonly fallback: IFileSystem,
  ) {}

  private full(path: string): string {
    return path === '/' ? this.prefix : `${this.prefix}${path}`;
  }

  private text(path: string): string | undefined {
    return readProcFile(this.full(path), { world: this.world, host: this.hostNow() });
  }

  private dir(path: string): string[] | undefined {
    const full = this.full(path);
    const listed = listProcDir(full, { world: this.world, host: this.hostNow() });
    if (listed) return listed;
    // The mount points themselves and their modelled parents (/proc/net, /proc/sys/net/ipv6...).
    const parents: Record<string, string[]> = {
      '/proc': ['net', 'self', 'sys'],
      '/proc/net': ['if_inet6', 'igmp6', 'snmp6', 'xfrm_stat'],
      '/proc/sys': ['net'],
      '/proc/sys/net': ['core', 'ipv6'],
      '/proc/sys/net/ipv6': ['conf'],
      '/sys': ['class'],
      '/sys/class': ['net'],
    };
    return parents[full];
  }

  async readFile(path: string, options?: ReadFileOptions): Promise<string> {
    const t = this.text(path);
    if (t !== undefined) return t;
    return this.fallback.readFile(this.full(path), options);
  }

  async readFileBuffer(path: string): Promise<Uint8Array> {
    const t = this.text(path);
    if (t !== undefined) return new TextEncoder().encode(t);
    return this.fallback.readFileBuffer(this.full(path));
  }

  /** A redirection into a sysctl file: the kernel's verdict on the value, as a write error when refused. */
  async writeFile(path: string, content: FileContent): Promise<void> {
    const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
    // A redirection first opens (truncates) its target, then writes what the command printed.
    if (text === '' && this.text(path) !== undefined) return;
    const r = writeProcFile(this.full(path), text, { world: this.world, host: this.hostNow() });
    if (r === undefined || r.exitCode !== 0) {
      const why = r === undefined ? 'Permission denied' : r.stderr.replace(/\n$/, '');
      // Thrown here, the error would end the whole script instead of one command.
      this.refused.push(`${this.full(path)} (namespace ${this.hostNow().name}): ${why}`);
    }
  }

  async appendFile(path: string, content: FileContent): Promise<void> {
    return this.writeFile(path, content);
  }

  async exists(path: string): Promise<boolean> {
    if (this.text(path) !== undefined || this.dir(path) !== undefined) return true;
    return this.fallback.exists(this.full(path));
  }

  async stat(path: string): Promise<FsStat> {
    const t = this.text(path);
    if (t !== undefined) return { isFile: true, isDirectory: false, isSymbolicLink: false, mode: 0o100644, size: 0, mtime: EPOCH };
    if (this.dir(path) !== undefined)
      return { isFile: false, isDirectory: true, isSymbolicLink: false, mode: 0o40555, size: 0, mtime: EPOCH };
    return this.fallback.stat(this.full(path));
  }

  async lstat(path: string): Promise<FsStat> {
    return this.stat(path);
  }

  async readdir(path: string): Promise<string[]> {
    const d = this.dir(path);
    if (d !== undefined) return d;
    return this.fallback.readdir(this.full(path));
  }

  async mkdir(path: string, _options?: MkdirOptions): Promise<void> {
    throw new ProcWriteError(`${this.full(path)}: Operation not permitted`);
  }

  async rm(path: string, _options?: RmOptions): Promise<void> {
    throw new ProcWriteError(`${this.full(path)}: Operation not permitted`);
  }

  async cp(_src: string, dest: string, _options?: CpOptions): Promise<void> {
    throw new ProcWriteError(`${this.full(dest)}: Operation not permitted`);
  }

  async mv(src: string, _dest: string): Promise<void> {
    throw new ProcWriteError(`${this.full(src)}: Operation not permitted`);
  }

  resolvePath(base: string, path: string): string {
    return this.fallback.resolvePath(base, path);
  }

  getAllPaths(): string[] {
    return [];
  }

  async chmod(path: string, _mode: number): Promise<void> {
    throw new ProcWriteError(`${this.full(path)}: Operation not permitted`);
  }

  async symlink(_target: string, linkPath: string): Promise<void> {
    throw new ProcWriteError(`${this.full(linkPath)}: Operation not permitted`);
  }

  async link(_existing: string, newPath: string): Promise<void> {
    throw new ProcWriteError(`${this.full(newPath)}: Operation not permitted`);
  }

  async readlink(path: string): Promise<string> {
    return this.fallback.readlink(this.full(path));
  }

  /** Relative to the mount point, as the mounting filesystem expects (it adds the prefix back). */
  async realpath(path: string): Promise<string> {
    if (await this.exists(path)) return path;
    throw new Error(`ENOENT: no such file or directory, realpath '${this.full(path)}'`);
  }

  async utimes(path: string, _atime: Date, _mtime: Date): Promise<void> {
    throw new ProcWriteError(`${this.full(path)}: Operation not permitted`);
  }
}
