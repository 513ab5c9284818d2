/**
 * Reading CSV files for the CLI (csv-parse): a header row, then data rows, with clear errors
 * for a missing or empty file, ragged rows, unknown columns and non-numeric cells (naming the
 * file, line and column).
 * @module
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CliError } from './errors.js';

/** A parsed CSV file: column names, the cells of each data row, each row's line number. */
export interface Table {
  file: string;
  columns: string[];
  rows: string[][];
  /** 1-based line of each row in the file (the header is line 1 in a plain file). */
  lines: number[];
}

/** Reads and parses a CSV file with a header row. */
export function readTable(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (e as Error).message;
    throw new CliError(`cannot read '${file}': ${why}`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as unknown as typeof records;
  } catch (e) {
    throw new CliError(`'${file}' is not valid CSV: ${(e as Error).message}`);
  }
  if (records.length === 0)
    throw new CliError(`'${file}' is empty (expected a header row and data rows)`);
  const [header, ...data] = records;
  if (data.length === 0) throw new CliError(`'${file}' has a header but no data rows`);
  const columns = header!.record;
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined)
    throw new CliError(`'${file}': column '${dup}' appears twice in the header`);
  return { file, columns, rows: data.map((r) => r.record), lines: data.map((r) => r.info.lines) };
}

/** The index of a column, or an error listing the available columns. */
export function columnIndex(table: Table, name: string): number {
  const i = table.columns.indexOf(name);
  if (i < 0) {
    throw new CliError(
      `column '${name}' not found in '${table.file}'; available columns: ${table.columns.join(', ')}`,
    );
  }
  return i;
}

/** A cell as a finite number, or an error naming the line and column. */
export function numberAt(table: Table, row: number, col: number): number {
  const cell = table.rows[row]![col]!;
  const where = `'${table.file}' line ${table.lines[row]}, column '${table.columns[col]}'`;
  if (cell === '') throw new CliError(`${where}: the cell is empty (expected a number)`);
  const value = Number(cell);
  if (!Number.isFinite(value)) throw new CliError(`${where}: '${cell}' is not a number`);
  return value;
}

/** True when every cell of the column parses as a finite number. */
export function isNumericColumn(table: Table, col: number): boolean {
  return table.rows.every((r) => r[col] !== '' && Number.isFinite(Number(r[col])));
}
