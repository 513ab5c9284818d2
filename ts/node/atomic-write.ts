/**
 * Replacing a file atomically: the new contents go to a temporary file next to the target,
 * which is flushed to disk (fsync) and then renamed over the target, and the directory entry is
 * flushed too. A full disk, a file-size limit, an I/O error or a kill at any point therefore
 * leaves either the old file or the complete new one, never a truncated mix. On an error the
 * temporary file is removed; after a SIGKILL (nothing runs) a stale `.<name>.<pid>.<hex>.tmp`
 * may remain beside the target, and the target itself is intact.
 *
 * The target is resolved first: a symlink is followed (the link stays, the file it points to
 * is replaced), a target that is not a regular file (a FIFO, a device such as /dev/null or
 * /dev/stdout) is written in place, and an existing file we may not write is refused rather
 * than replaced. The replacement keeps the old file's mode and (where permitted) owner.
 *
 * Hand-written rather than `write-file-atomic`: that package takes the whole contents at once
 * (the CLI writes predictions in chunks, see `AtomicFile.write`) and does not flush the
 * directory after the rename.
 *
 * Shared by the CLI (static `node:` imports, `CliError`) and `fit`'s checkpoints (modules from
 * `nodeBuiltin`, so the browser bundle has no static `node:` import): {@link atomicWrites} takes
 * the modules and the error class.
 * @module
 */
import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import type { Stats } from 'node:fs';
import type * as Path from 'node:path';

/** A file being written; nothing is visible at the target until `commit()`. */
export interface AtomicFile {
  /** Appends to the temporary file (loops over partial writes). */
  write(chunk: string | Uint8Array): void;
  /** Flushes, renames over the target and flushes the directory. */
  commit(): void;
  /** Closes and removes the temporary file (safe to call after a failure or twice). */
  abort(): void;
}

/** Plain words for the usual causes (node's messages name the temporary file, not the target). */
const REASONS: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (file-size limit reached)',
  EIO: 'input/output error',
};

/** The Node modules the writes use. */
export interface NodeModules {
  readonly fs: typeof Fs;
  readonly path: typeof Path;
  readonly crypto: typeof Crypto;
}

/** The atomic-write functions over the given modules. */
export interface AtomicWrites {
  /**
   * Starts replacing `target`. Errors (from `toError`) name the target; after any error the
   * temporary file is gone and the target is as it was.
   */
  openAtomic(target: string): AtomicFile;
  /**
   * Fails now, with the error a later write would give, if a file cannot be created next to
   * `target` (missing or read-only directory): checked before a long training, not after it.
   */
  checkWritable(target: string): void;
  /** Replaces `target` with `data` atomically (see the module comment). */
  writeFileAtomic(target: string, data: string | Uint8Array): void;
}

/**
 * The atomic writes over `modules`; every failure is `toError(message)`, the message naming
 * the target and the cause (and that the old file is unchanged, when there is one).
 */
export function atomicWrites(
  { fs, path, crypto }: NodeModules,
  toError: (message: string) => Error,
): AtomicWrites {
  const {
    accessSync,
    closeSync,
    constants,
    fchmodSync,
    fchownSync,
    fsyncSync,
    lstatSync,
    openSync,
    readlinkSync,
    renameSync,
    statSync,
    unlinkSync,
    writeSync,
  } = fs;
  const { basename, dirname, join, resolve } = path;
  const { randomBytes } = crypto;

  /** `cannot write 'file': reason`, saying the previous file is untouched when there is one. */
  function writeError(target: string, e: unknown, existed: boolean): Error {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = (code && REASONS[code]) ?? (e as Error).message ?? String(e);
    return toError(
      `cannot write '${target}': ${reason}${existed ? ` ('${target}' is unchanged)` : ''}`,
    );
  }

  /**
   * The file a write to `target` should replace: symlinks are followed (the link stays a link
   * and the file it points to is replaced, as a plain write would), also when dangling.
   */
  function resolveTarget(target: string): string {
    let path = target;
    for (let hops = 0; hops < 40; hops++) {
      let link: Stats;
      try {
        link = lstatSync(path);
      } catch {
        return path; // does not exist (yet): created by the rename
      }
      if (!link.isSymbolicLink()) return path;
      path = resolve(dirname(path), readlinkSync(path));
    }
    return path; // a symlink loop: the open below reports it
  }

  /** The existing target's metadata, if it exists. */
  function existing(target: string): Stats | undefined {
    try {
      return statSync(target);
    } catch {
      return undefined;
    }
  }

  /**
   * Flushes a directory's entries (the rename) to disk. Best effort: some platforms and file
   * systems refuse to open or fsync a directory (Windows: EPERM / EISDIR; some FUSE: EINVAL); the
   * rename itself has already happened then, so there is nothing to undo.
   */
  function fsyncDirectory(dir: string): void {
    let fd: number | undefined;
    try {
      fd = openSync(dir, 'r');
      fsyncSync(fd);
    } catch {
      // best effort, see above
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Starts replacing `target`. Errors (from `toError`) name the target; after any error the
   * temporary file is gone and the target is as it was.
   */
  function openAtomic(target: string): AtomicFile {
    const path = resolveTarget(target);
    const stats = existing(path);
    const existed = stats?.isFile() ?? false;
    if (stats && !stats.isFile() && !stats.isDirectory()) {
      // A FIFO, a device (/dev/stdout, /dev/null) or a socket: renaming a file over it would
      // replace the node itself, so it is written in place (there is no old content to keep).
      return inPlace(target, path);
    }
    if (stats?.isFile()) {
      // A file we may not write stays as it is (the rename would replace it regardless).
      try {
        accessSync(path, constants.W_OK);
      } catch (e) {
        throw writeError(target, e, true);
      }
    }
    const dir = dirname(path);
    const tmp = join(
      dir,
      `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    let fd: number | undefined;
    let done = false;
    try {
      // 'wx': never follow or reuse a file that is already there under this name.
      fd = openSync(tmp, 'wx', 0o666);
      if (stats?.isFile()) {
        // The replacement keeps the old file's mode and, where we may set it, its owner.
        fchmodSync(fd, stats.mode & 0o7777);
        try {
          fchownSync(fd, stats.uid, stats.gid);
        } catch {
          // not permitted unless root (or already ours): the new file is ours
        }
      }
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // it was never created
      }
      throw writeError(target, e, existed);
    }
    const file: AtomicFile = {
      write(chunk) {
        if (done) throw new Error(`'${target}' is already committed or aborted`);
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        try {
          let off = 0;
          while (off < bytes.length) off += writeSync(fd!, bytes, off, bytes.length - off);
        } catch (e) {
          file.abort();
          throw writeError(target, e, existed);
        }
      },
      commit() {
        if (done) throw new Error(`'${target}' is already committed or aborted`);
        try {
          fsyncSync(fd!);
          closeSync(fd!);
          fd = undefined;
          renameSync(tmp, path);
        } catch (e) {
          file.abort();
          throw writeError(target, e, existed);
        }
        done = true;
        fsyncDirectory(dir);
      },
      abort() {
        if (done) return;
        done = true;
        if (fd !== undefined) {
          try {
            closeSync(fd);
          } catch {
            // already closed by a failed commit
          }
          fd = undefined;
        }
        try {
          unlinkSync(tmp);
        } catch {
          // nothing to remove
        }
      },
    };
    return file;
  }

  /** Writing straight into a target that is not a regular file (see `openAtomic`). */
  function inPlace(target: string, path: string): AtomicFile {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'w');
    } catch (e) {
      throw writeError(target, e, false);
    }
    const close = () => {
      if (fd === undefined) return;
      const open = fd;
      fd = undefined;
      closeSync(open);
    };
    return {
      write(chunk) {
        if (fd === undefined) throw new Error(`'${target}' is already committed or aborted`);
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        try {
          let off = 0;
          while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        } catch (e) {
          close();
          throw writeError(target, e, false);
        }
      },
      commit: close,
      abort: close,
    };
  }

  /**
   * Fails now, with the error a later write would give, if a file cannot be created next to
   * `target` (missing or read-only directory): checked before a long training, not after it.
   */
  function checkWritable(target: string): void {
    const path = resolveTarget(target);
    const stats = existing(path);
    if (stats && !stats.isFile() && !stats.isDirectory()) {
      // Opening a FIFO here would block until its reader comes, and closing it would end the
      // reader: only the permission is checked for a FIFO or a device.
      try {
        accessSync(path, constants.W_OK);
      } catch (e) {
        throw writeError(target, e, false);
      }
      return;
    }
    openAtomic(target).abort();
  }

  /** Replaces `target` with `data` atomically (see the module comment). */
  function writeFileAtomic(target: string, data: string | Uint8Array): void {
    const file = openAtomic(target);
    file.write(data);
    file.commit();
  }

  return { openAtomic, checkWritable, writeFileAtomic };
}
