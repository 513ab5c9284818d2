/**
 * Reading CSV files for the CLI (csv-parse): a header row, then data rows, with clear errors
 * for a missing or empty file, ragged rows, unknown columns and cells that are not numbers
 * (naming the file, line and column).
 *
 * Rows are not kept as strings: each record goes straight into typed arrays as it is parsed (the
 * feature columns into one row-major Float64Array, the target column into numbers and/or label
 * codes), grown by doubling. Holding `string[][]`, then `number[][]`, then typed arrays cost
 * about 900 MB for a 10^6-row, 30 MB file. Whoever needs the cells again (predict echoes every
 * row) reads the file a second time with `scanCsv`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { decimalProblem, parseDecimal } from './decimal.js';
import { CliError } from './errors.js';

/**
 * How to read the target column: `'number'` (every cell a number), `'label'` (any text; with
 * `classes`, only those), `'auto'` (both, numbers kept only while every cell is one).
 */
export interface TargetSpec {
  name: string;
  kind: 'number' | 'label' | 'auto';
  classes?: readonly string[];
}

/** The columns to read, chosen once the header is known. */
export interface Selection {
  features: readonly string[];
  target?: TargetSpec;
}

/** The target column as read. */
export interface TargetColumn {
  name: string;
  /** Every cell as a number; undefined when a cell is not one (or kind `'label'`). */
  values?: Float64Array;
  /** Kind `'label'` / `'auto'`: each row's label as an index into `labels`. */
  codes?: Int32Array;
  /** The distinct labels in order of first appearance, or the given `classes`. */
  labels?: string[];
}

/** A parsed CSV file: its header, row count, features (row-major) and target. */
export interface Table {
  file: string;
  columns: string[];
  rows: number;
  features: readonly string[];
  /** rows × features.length, row-major. */
  x: Float64Array;
  target?: TargetColumn;
}

/** A data row as csv-parse gives it, with its 1-based line (the header is line 1). */
export type RowHandler = (record: string[], line: number) => void;

/** Reads the file (Buffer: csv-parse works on bytes, so no 30 MB string is made). */
function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
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
}

/**
 * Parses `file` record by record: `onHeader` with the header, `onRow` with each data row. No
 * record is kept. Returns the number of data rows.
 */
export function scanCsv(
  file: string,
  onHeader: (columns: string[]) => void,
  onRow: RowHandler,
): number {
  const bytes = readBytes(file);
  let header: string[] | undefined;
  let rows = 0;
  try {
    parse(bytes, {
      skip_empty_lines: true,
      trim: true,
      bom: true,
      // Returning null drops the record, so the parser's result array stays empty.
      on_record: (record: string[], info: { lines: number }) => {
        if (header === undefined) {
          header = record;
          const dup = header.find((c, i) => header!.indexOf(c) !== i);
          if (dup !== undefined)
            throw new CliError(`'${file}': column '${dup}' appears twice in the header`);
          onHeader(header);
        } else {
          rows++;
          onRow(record, info.lines);
        }
        return null;
      },
    });
  } catch (e) {
    if (e instanceof CsvError)
      throw new CliError(`'${file}' is not valid CSV: ${(e as Error).message}`);
    throw e;
  }
  if (header === undefined)
    throw new CliError(`'${file}' is empty (expected a header row and data rows)`);
  if (rows === 0) throw new CliError(`'${file}' has a header but no data rows`);
  return rows;
}

/** The index of a column, or an error listing the available columns. */
export function columnIndex(file: string, columns: readonly string[], name: string): number {
  const i = columns.indexOf(name);
  if (i < 0) {
    throw new CliError(
      `column '${name}' not found in '${file}'; available columns: ${columns.join(', ')}`,
    );
  }
  return i;
}

/** A growable typed array (doubling), trimmed by `subarray` at the end. */
class Grow<T extends Float64Array | Int32Array> {
  data: T;
  constructor(
    private readonly make: (n: number) => T,
    initial: number,
  ) {
    this.data = make(initial);
  }
  /** Makes room for `n` elements in total. */
  reserve(n: number): T {
    if (n > this.data.length) {
      const bigger = this.make(Math.max(n, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    return this.data;
  }
}

/** Thrown to stop a scan in which an `'auto'` target turned out to hold labels (see below). */
class ReadAsLabels {}

/**
 * Reads the selected columns of a CSV file into typed arrays (see the module comment).
 *
 * An `'auto'` target is read as numbers while its cells are numbers: interning up to 10^6
 * distinct numeric labels "just in case" cost 190 MB on a regression file. A cell that is not
 * a number on the first row switches to labels at once; on a later row (the labels of the
 * rows before it were not kept) the file is read again with the target as labels.
 */
export function readTable(file: string, select: (columns: string[]) => Selection): Table {
  try {
    return readColumns(file, select);
  } catch (e) {
    if (!(e instanceof ReadAsLabels)) throw e;
    return readColumns(file, (columns) => {
      const s = select(columns);
      return { ...s, target: { ...s.target!, kind: 'label' } };
    });
  }
}

function readColumns(file: string, select: (columns: string[]) => Selection): Table {
  let columns: string[] = [];
  let features: readonly string[] = [];
  let featureCols: number[] = [];
  let spec: TargetSpec | undefined;
  let t = -1;
  const x = new Grow((n) => new Float64Array(n), 4096);
  const values = new Grow((n) => new Float64Array(n), 1024);
  const codes = new Grow((n) => new Int32Array(n), 1024);
  /** How the target's cells are read now (`'auto'` becomes one of the others). */
  let mode = 'number' as TargetSpec['kind'];
  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  let row = 0;

  const where = (line: number, col: number) => `'${file}' line ${line}, column '${columns[col]}'`;
  const number = (cell: string, line: number, col: number): number => {
    const d = parseDecimal(cell);
    if (d.ok) return d.value;
    throw new CliError(
      `${where(line, col)}: ${d.why === 'empty' ? 'the cell' : `'${cell}'`} ${decimalProblem(d.why)}`,
    );
  };

  const rows = scanCsv(
    file,
    (header) => {
      columns = header;
      const selection = select(header);
      spec = selection.target;
      if (spec) {
        t = columnIndex(file, header, spec.name);
        mode = spec.kind;
        if (spec.classes) spec.classes.forEach((c, i) => labelIndex.set(c, i));
      }
      features = selection.features;
      featureCols = features.map((f) => columnIndex(file, header, f));
    },
    (record, line) => {
      const f = featureCols.length;
      const xs = x.reserve((row + 1) * f);
      for (let j = 0; j < f; j++)
        xs[row * f + j] = number(record[featureCols[j]!]!, line, featureCols[j]!);
      if (spec) {
        const cell = record[t]!;
        if (mode === 'auto') {
          const d = parseDecimal(cell);
          if (d.ok) values.reserve(row + 1)[row] = d.value;
          else if (row === 0) mode = 'label';
          else throw new ReadAsLabels();
        }
        if (mode === 'number') values.reserve(row + 1)[row] = number(cell, line, t);
        else if (mode === 'label') {
          let code = labelIndex.get(cell);
          if (code === undefined) {
            if (spec.classes) {
              throw new CliError(
                `'${file}' line ${line}: class '${cell}' of column '${spec.name}' was not seen in training (classes: ${spec.classes.join(', ')})`,
              );
            }
            code = labels.length;
            labels.push(cell);
            labelIndex.set(cell, code);
          }
          codes.reserve(row + 1)[row] = code;
        }
      }
      row++;
    },
  );

  const table: Table = {
    file,
    columns,
    rows,
    features,
    x: x.data.subarray(0, rows * featureCols.length),
  };
  if (spec) {
    table.target = { name: spec.name };
    if (mode !== 'label') table.target.values = values.data.subarray(0, rows);
    else {
      table.target.codes = codes.data.subarray(0, rows);
      table.target.labels = spec.classes ? [...spec.classes] : labels;
    }
  }
  return table;
}
