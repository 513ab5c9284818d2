// ts/cli/csv-stream.ts: CSV files read as a stream straight into typed arrays (the first pass
// of train, then chunks). The result equals the old path (csv-parse to string[][], then a
// number per cell) on generated tables; numeric cells must be plain decimal notation, with
// anything else an error naming the file, line and column; the running moments of the first
// pass equal the two-pass ones of Standardizer.fit; a validation split picks exactly k rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { chunks, scanTraining, splitRows } from '../../ts/cli/csv-stream.js';
import type { Selection } from '../../ts/cli/csv.js';
import { CliError } from '../../ts/cli/errors.js';
import { RunningMoments } from '../../ts/data/running-moments.js';
import { Standardizer } from '../../ts/standardizer.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function csvFile(text: string): string {
  const file = join(dir, `t${files++}.csv`);
  writeFileSync(file, text);
  return file;
}

/** A decimal number written in one of the ways a CSV file may hold it. */
const decimalCell = fc
  .tuple(
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.constantFrom('plain', 'fixed', 'exp', 'plus', 'spaces', 'quoted'),
  )
  .map(([v, style]) => {
    const s = style === 'fixed' ? v.toFixed(3) : style === 'exp' ? v.toExponential(4) : String(v);
    if (style === 'plus') return v >= 0 ? `+${s}` : s;
    if (style === 'spaces') return `  ${s} `;
    if (style === 'quoted') return `"${s}"`;
    return s;
  });

/**
 * The whole file as the streaming reader sees it: the first pass (target kind, labels), then
 * the rows in chunks of 7 (features; class ids in order of first appearance, or numbers).
 */
async function readTable(file: string, select: (columns: string[]) => Selection) {
  const scan = await scanTraining(file, select);
  const spec = select(scan.columns).target;
  const target =
    spec === undefined
      ? undefined
      : scan.labels
        ? { name: spec.name, kind: 'label' as const, classes: scan.labels }
        : { name: spec.name, kind: 'number' as const };
  const x: number[] = [];
  const codes: number[] = [];
  const values: number[] = [];
  const selection: Selection = { features: scan.features, ...(target ? { target } : {}) };
  for await (const c of chunks(file, selection, { rows: 7 })) {
    x.push(...c.x);
    if (c.ids) codes.push(...c.ids);
    if (c.values) values.push(...c.values);
  }
  return {
    rows: scan.rows,
    x,
    target: target && {
      labels: scan.labels,
      codes: scan.labels ? codes : undefined,
      values: scan.labels ? undefined : values,
    },
  };
}

/** The error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected an error');
    },
    (e: unknown) => e as Error,
  );
}

describe('streaming CSV reader', () => {
  it('equals the old string path (csv-parse rows, then a number per cell) on generated tables', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.array(decimalCell, { minLength: 3, maxLength: 3 }),
            fc.constantFrom('x', 'y z', '"q,r"', '7'),
          ),
          { minLength: 1, maxLength: 60 },
        ),
        fc.constantFrom('\n', '\r\n'),
        async (rows, eol) => {
          const text = ['a,b,c,label', ...rows.map(([cells, l]) => [...cells, l].join(','))].join(
            eol,
          );
          const file = csvFile(text);
          const select = (): Selection => ({
            features: ['a', 'b', 'c'],
            target: { name: 'label', kind: 'auto' },
          });
          const table = await readTable(file, select);
          // The old path.
          const old = (
            parse(text, { trim: true, skip_empty_lines: true, bom: true }) as string[][]
          ).slice(1);
          expect(table.rows).toBe(old.length);
          expect(Array.from(table.x)).toEqual(old.flatMap((r) => r.slice(0, 3).map(Number)));
          const { codes, labels, values } = table.target!;
          if (old.every((r) => r[3] === '7')) {
            // 'auto': all numbers, so a regression target.
            expect(Array.from(values!)).toEqual(old.map(() => 7));
            expect(codes).toBeUndefined();
          } else {
            expect(values).toBeUndefined();
            expect(Array.from(codes!, (c) => labels![c])).toEqual(old.map((r) => r[3]));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('accepts plain decimal notation (sign, fraction, exponent; spaces around are trimmed)', async () => {
    const cells = ['+1.5', '.5', '5.', '1E3', '-0', ' 12 ', '-2.5e-3', '1e-400', '007'];
    const file = csvFile(`v,t\n${cells.map((c) => `${c},a`).join('\n')}\n`);
    const table = await readTable(file, () => ({ features: ['v'] }));
    expect(Array.from(table.x)).toEqual([1.5, 0.5, 5, 1000, -0, 12, -0.0025, 0, 7]);
  });

  const rejected: [string, string][] = [
    ['0x10', 'not a number'],
    ['0b101', 'not a number'],
    ['0o7', 'not a number'],
    ['1_000', 'not a number'],
    ['Infinity', 'not a number'],
    ['-Infinity', 'not a number'],
    ['NaN', 'not a number'],
    ['12abc', 'not a number'],
    ['1.2.3', 'not a number'],
    ['--1', 'not a number'],
    ['e5', 'not a number'],
    ['.', 'not a number'],
    ['1e400', 'out of range'],
    ['-1e400', 'out of range'],
  ];
  it.each(rejected)(
    "rejects %j in a feature column ('%s'), naming file, line and column",
    async (cell, why) => {
      const file = csvFile(`a,b,t\n1,2,x\n3,"${cell}",y\n`);
      const e = await failure(
        readTable(file, () => ({ features: ['a', 'b'], target: { name: 't', kind: 'label' } })),
      );
      expect(e).toBeInstanceOf(CliError);
      expect(e.message).toMatch(
        new RegExp(`^'${file}' line 3, column 'b': '${cell.replace(/[.]/g, '\\.')}' is ${why}`),
      );
    },
  );

  it('rejects an empty numeric cell, and such cells in a regression target', async () => {
    const empty = csvFile('a,y\n1,2\n,3\n');
    await expect(readTable(empty, () => ({ features: ['a'] }))).rejects.toThrow(
      new CliError(`'${empty}' line 3, column 'a': the cell is empty (expected a number)`),
    );
    const hex = csvFile('a,y\n1,2\n2,0x10\n');
    await expect(
      readTable(hex, () => ({ features: ['a'], target: { name: 'y', kind: 'number' } })),
    ).rejects.toThrow(/line 3, column 'y': '0x10' is not a number/);
  });

  it("an 'auto' target whose first non-number comes late is read again as labels", async () => {
    const file = csvFile('a,t\n1,2\n2,10\n3,x\n4,2\n');
    const t = await readTable(file, () => ({
      features: ['a'],
      target: { name: 't', kind: 'auto' },
    }));
    expect(t.target!.values).toBeUndefined();
    expect(t.target!.labels).toEqual(['2', '10', 'x']);
    expect(Array.from(t.target!.codes!)).toEqual([0, 1, 2, 0]);
    expect(Array.from(t.x)).toEqual([1, 2, 3, 4]);
  });

  it("a target of hexadecimal ids is labels, not numbers ('auto' was regression through Number())", async () => {
    const file = csvFile('a,id\n1,0x10\n2,0x20\n3,0x10\n');
    const t = await readTable(file, () => ({
      features: ['a'],
      target: { name: 'id', kind: 'auto' },
    }));
    expect(t.target!.values).toBeUndefined();
    expect(t.target!.labels).toEqual(['0x10', '0x20']);
    expect(Array.from(t.target!.codes!)).toEqual([0, 1, 0]);
  });
});

describe('statistics of the first pass', () => {
  it('running moments equal the two-pass ones (1e-12 relative), also near 1e200 and constant', () => {
    const next = (() => {
      let seed = 3;
      return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    })();
    const columns = [
      Array.from({ length: 5000 }, () => next() * 10 - 3),
      Array.from({ length: 5000 }, () => (next() - 0.5) * 1e200),
      Array.from({ length: 5000 }, (_, i) => (i < 10 ? 0 : 1e6 + next())), // grows late
      Array.from({ length: 50 }, () => 4.25),
      [0, 0, 0],
    ];
    for (const column of columns) {
      const m = new RunningMoments();
      column.forEach((v) => m.add(v));
      const want = Standardizer.fit(column.map((v) => [v]));
      const { mean, std } = m.value;
      expect(Math.abs(mean - want.mean[0]!)).toBeLessThanOrEqual(1e-12 * Math.abs(want.mean[0]!));
      // Standardizer gives a constant column std 1; the raw moment is 0 there.
      const wantStd = want.std[0] === 1 && new Set(column).size === 1 ? 0 : want.std[0]!;
      expect(Math.abs(std - wantStd)).toBeLessThanOrEqual(1e-12 * wantStd);
    }
  });

  it('a validation split takes exactly k of n rows, the same ones every pass, seeded', () => {
    for (const [n, k] of [
      [10, 3],
      [1000, 200],
      [7, 6],
    ] as const) {
      const pass = () => {
        const take = splitRows(n, k, 5)();
        return Array.from({ length: n }, (_, r) => take(r));
      };
      const first = pass();
      expect(first.filter(Boolean)).toHaveLength(k);
      expect(pass()).toEqual(first);
      const other = splitRows(n, k, 6)();
      if (n === 1000) expect(Array.from({ length: n }, (_, r) => other(r))).not.toEqual(first);
    }
  });

  it('a file that changed between passes is an error', async () => {
    const file = csvFile('a,t\n1,x\n2,y\n');
    const read = chunks(file, { features: ['a'] }, { rows: 4, expectColumns: ['a', 'u'] });
    await expect(read.next()).rejects.toThrow(`'${file}' changed while it was being read`);
  });
});
