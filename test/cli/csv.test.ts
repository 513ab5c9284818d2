// ts/cli/csv.ts: CSV files read straight into typed arrays. The result equals the old path
// (csv-parse to string[][], then a number per cell) on generated tables; numeric cells must be
// plain decimal notation, with anything else an error naming the file, line and column.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readTable, type Selection } from '../../ts/cli/csv.js';
import { CliError } from '../../ts/cli/errors.js';

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

describe('readTable', () => {
  it('equals the old string path (csv-parse rows, then a number per cell) on generated tables', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.array(decimalCell, { minLength: 3, maxLength: 3 }),
            fc.constantFrom('x', 'y z', '"q,r"', '7'),
          ),
          { minLength: 1, maxLength: 60 },
        ),
        fc.constantFrom('\n', '\r\n'),
        (rows, eol) => {
          const text = ['a,b,c,label', ...rows.map(([cells, l]) => [...cells, l].join(','))].join(
            eol,
          );
          const file = csvFile(text);
          const select = (): Selection => ({
            features: ['a', 'b', 'c'],
            target: { name: 'label', kind: 'auto' },
          });
          const table = readTable(file, select);
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

  it('accepts plain decimal notation (sign, fraction, exponent; spaces around are trimmed)', () => {
    const cells = ['+1.5', '.5', '5.', '1E3', '-0', ' 12 ', '-2.5e-3', '1e-400', '007'];
    const file = csvFile(`v,t\n${cells.map((c) => `${c},a`).join('\n')}\n`);
    const table = readTable(file, () => ({ features: ['v'] }));
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
    (cell, why) => {
      const file = csvFile(`a,b,t\n1,2,x\n3,"${cell}",y\n`);
      const e = (() => {
        try {
          readTable(file, () => ({ features: ['a', 'b'], target: { name: 't', kind: 'label' } }));
        } catch (err) {
          return err as Error;
        }
        throw new Error('expected an error');
      })();
      expect(e).toBeInstanceOf(CliError);
      expect(e.message).toMatch(
        new RegExp(`^'${file}' line 3, column 'b': '${cell.replace(/[.]/g, '\\.')}' is ${why}`),
      );
    },
  );

  it('rejects an empty numeric cell, and such cells in a regression target', () => {
    const empty = csvFile('a,y\n1,2\n,3\n');
    expect(() => readTable(empty, () => ({ features: ['a'] }))).toThrow(
      new CliError(`'${empty}' line 3, column 'a': the cell is empty (expected a number)`),
    );
    const hex = csvFile('a,y\n1,2\n2,0x10\n');
    expect(() =>
      readTable(hex, () => ({ features: ['a'], target: { name: 'y', kind: 'number' } })),
    ).toThrow(/line 3, column 'y': '0x10' is not a number/);
  });

  it("an 'auto' target whose first non-number comes late is read again as labels", () => {
    const file = csvFile('a,t\n1,2\n2,10\n3,x\n4,2\n');
    const t = readTable(file, () => ({ features: ['a'], target: { name: 't', kind: 'auto' } }));
    expect(t.target!.values).toBeUndefined();
    expect(t.target!.labels).toEqual(['2', '10', 'x']);
    expect(Array.from(t.target!.codes!)).toEqual([0, 1, 2, 0]);
    expect(Array.from(t.x)).toEqual([1, 2, 3, 4]);
  });

  it("a target of hexadecimal ids is labels, not numbers ('auto' was regression through Number())", () => {
    const file = csvFile('a,id\n1,0x10\n2,0x20\n3,0x10\n');
    const t = readTable(file, () => ({ features: ['a'], target: { name: 'id', kind: 'auto' } }));
    expect(t.target!.values).toBeUndefined();
    expect(t.target!.labels).toEqual(['0x10', '0x20']);
    expect(Array.from(t.target!.codes!)).toEqual([0, 1, 0]);
  });
});
