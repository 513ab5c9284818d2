// ts/cli/atomic-write.ts: a file is replaced whole or not at all, and no temporary file is left
// after an error. Faults are real: a rename onto a directory (after the data is written), a
// missing directory, and (where this process may mount) a full 64 KiB tmpfs. A file-size limit
// and a SIGKILL are injected in test/cli/write-faults.test.ts, through the CLI.
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWritable, openAtomic, writeFileAtomic } from '../../ts/cli/atomic-write.js';
import { CliError } from '../../ts/cli/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Temporary files left in a directory. */
const temps = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

/** The error a call throws (failing the test if it does not throw). */
function thrown(f: () => void): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('writeFileAtomic', () => {
  it('creates, then replaces a file, keeping its mode and leaving no temporary file', () => {
    const file = join(dir, 'a.json');
    writeFileAtomic(file, 'first\n');
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    chmodSync(file, 0o600);
    writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(temps(dir)).toEqual([]);
  });

  it('shows nothing at the target before commit; abort removes the temporary file', () => {
    const file = join(dir, 'b.csv');
    writeFileSync(file, 'old');
    const w = openAtomic(file);
    w.write('new ');
    w.write('rows');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(temps(dir)).toEqual([expect.stringMatching(/^\.b\.csv\.\d+\.[0-9a-f]{12}\.tmp$/)]);
    w.abort();
    w.abort(); // twice is fine
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(temps(dir)).toEqual([]);
    const v = openAtomic(file);
    v.write('new rows');
    v.commit();
    expect(readFileSync(file, 'utf8')).toBe('new rows');
    expect(() => v.write('more')).toThrow(/already committed/);
  });

  it('a rename that fails after the data is written (the target is a directory) cleans up', () => {
    const target = join(dir, 'model.safetensors');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    const e = thrown(() => writeFileAtomic(target, new Uint8Array(100_000)));
    expect(e).toBeInstanceOf(CliError);
    expect(e.message).toBe(`cannot write '${target}': it is a directory`);
    expect(readdirSync(target)).toEqual(['keep']);
    expect(temps(dir)).toEqual([]);
  });

  it('a missing directory is a clear error and creates nothing', () => {
    const target = join(dir, 'no', 'such', 'm.json');
    expect(() => writeFileAtomic(target, '{}')).toThrow(
      new CliError(`cannot write '${target}': no such directory`),
    );
    expect(temps(dir)).toEqual([]);
  });
});

describe('a full disk (a 64 KiB tmpfs)', () => {
  const mnt = join(dir, 'small-fs');
  let mounted = false;
  beforeAll(() => {
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
      mounted = true;
    } catch {
      // not root, or no CAP_SYS_ADMIN (a container): the test below is skipped
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
  });

  it('ENOSPC while writing leaves the previous file byte-identical and no temporary file', (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
    const file = join(mnt, 'model.safetensors');
    const previous = Buffer.alloc(40_000, 7);
    writeFileSync(file, previous);
    const e = thrown(() => writeFileAtomic(file, new Uint8Array(40_000)));
    expect(e).toBeInstanceOf(CliError);
    expect(e.message).toBe(
      `cannot write '${file}': no space left on device ('${file}' is unchanged)`,
    );
    expect(readFileSync(file).equals(previous)).toBe(true);
    expect(temps(mnt)).toEqual([]);
    // And the space is free again: a write that fits still works.
    writeFileAtomic(file, new Uint8Array(10_000));
    expect(statSync(file).size).toBe(10_000);
  });
});

describe('targets that are not plain files (review of issue 9)', () => {
  it('a symlink stays a symlink; the file it points to is replaced', () => {
    const real = join(dir, 'real-v1.json');
    const link = join(dir, 'link.json');
    writeFileSync(real, 'v1');
    symlinkSync('real-v1.json', link);
    writeFileAtomic(link, 'v2');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('v2');
    // A dangling link creates the file it names.
    const dangling = join(dir, 'dangling.json');
    symlinkSync('made-by-write.json', dangling);
    writeFileAtomic(dangling, 'new');
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'made-by-write.json'), 'utf8')).toBe('new');
    expect(temps(dir)).toEqual([]);
  });

  it('a FIFO is written in place (its reader gets the data, the FIFO stays)', async () => {
    const fifo = join(dir, 'p.csv');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((resolve, reject) =>
      execFile('cat', [fifo], (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    checkWritable(fifo); // must neither block nor end the reader
    writeFileAtomic(fifo, 'a,b\n1,2\n');
    expect(await reader).toBe('a,b\n1,2\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a character device (/dev/null) is written in place, never replaced', () => {
    writeFileAtomic('/dev/null', 'discarded');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)('an existing read-only file is refused, not replaced', () => {
    const file = join(dir, 'ro.json');
    writeFileSync(file, 'keep');
    chmodSync(file, 0o444);
    const error = thrown(() => writeFileAtomic(file, 'new'));
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toContain('permission denied');
    expect(readFileSync(file, 'utf8')).toBe('keep');
  });
});
