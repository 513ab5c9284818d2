// Memory stays flat whatever the size of the data: bench/streaming.mjs (the benchmark of
// 10^6 rows, here smaller) trains through the CLI and through fit(dataset) in child processes,
// each with a probe reporting its peak RSS. Five times the rows (2·10^4 → 10^5, 20 features
// and a label, shuffle buffer 4096 rows so it is full in both) must not raise the peak by more
// than 15 MB (what was held per row before streaming: 10^5 rows × 21 cells ≈ 17 MB of float64
// alone, and a multiple of that in parsed strings), and each peak stays under 250 MB.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../../bench/streaming.mjs', import.meta.url));

interface Result {
  cli: { peakMB: number; rowsPerSecond: number };
  fit: { peakMB: number; rowsPerSecond: number };
}

function bench(rows: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BENCH, '--rows', String(rows), '--shuffle-buffer', '4096', '--json'],
      { encoding: 'utf8' },
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('streaming training memory', () => {
  it('peak RSS does not grow with the row count (CLI train and fit(dataset))', async () => {
    const small = await bench(20_000);
    const large = await bench(100_000);
    console.log(
      `peak RSS (MB) at 2e4 → 1e5 rows: CLI ${small.cli.peakMB.toFixed(0)} → ${large.cli.peakMB.toFixed(0)}, ` +
        `fit(dataset) ${small.fit.peakMB.toFixed(0)} → ${large.fit.peakMB.toFixed(0)}`,
    );
    for (const mode of ['cli', 'fit'] as const) {
      expect(large[mode].peakMB - small[mode].peakMB).toBeLessThan(15);
      expect(large[mode].peakMB).toBeLessThan(250);
      expect(large[mode].rowsPerSecond).toBeGreaterThan(0);
    }
  }, 180_000);
});
