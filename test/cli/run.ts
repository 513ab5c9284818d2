// Running the built CLI (dist/cli.js) in a child process, for the CLI suites (not a test file).
import { execFile, type ExecFileOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/cli/${name}`, import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args…` and resolves with its exit code and output (never rejects). */
export function run(file: string, args: string[], options: ExecFileOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** `node dist/cli.js args…`. */
export function cli(...args: string[]): Promise<Run> {
  return run('node', [CLI, ...args]);
}

/**
 * `node dist/cli.js args…` under a file-size limit of `kib` KiB (bash `ulimit -f`): a write past
 * it fails with EFBIG (node ignores SIGXFSZ, so the process is not killed by the signal).
 */
export function cliWithFileLimit(kib: number, ...args: string[]): Promise<Run> {
  return run('bash', ['-c', `ulimit -f ${kib}; exec node "$0" "$@"`, CLI, ...args]);
}

/** A failed run: exit code 1, exactly one line on stderr, no stack trace. */
export function failsWith(result: Run, message: string): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`wasm-mlp: error: ${message}\n`);
}
