// The README's Node worker_threads example is the code in test/worker/fixtures/readme-node-example.mjs
// and, run as its own process, it trains and then exits: a worker that is never terminated
// keeps Node running forever, which the example must not teach.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const EXAMPLE = new URL('./fixtures/readme-node-example.mjs', import.meta.url);
const EXIT_WITHIN_MS = 20_000;

describe("the README's Node worker example", () => {
  it('is shown verbatim in the README', () => {
    const source = readFileSync(EXAMPLE, 'utf8');
    // From the first line that starts with `import` (the header comment is not shown).
    const code = source.slice(source.search(/^import /m));
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(code);
  });

  it('trains XOR and the process exits by itself', async () => {
    const started = performance.now();
    const { code, signal, stdout, stderr } = await new Promise<{
      code: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        process.execPath,
        [EXAMPLE.pathname],
        { timeout: EXIT_WITHIN_MS },
        (_error, stdout, stderr) =>
          resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
      );
    });
    // Killed by the timeout (signal SIGTERM) if the worker kept the process alive.
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout).toMatch(/^loss 0\.0\d{3}, 2 weight matrices\n$/);
    expect(performance.now() - started).toBeLessThan(EXIT_WITHIN_MS);
  });
});
