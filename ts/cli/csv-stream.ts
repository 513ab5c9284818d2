/**
 * CSV files read as a stream (csv-parse's stream API over `fs.createReadStream`), so the CLI's
 * memory does not grow with the file: `train` makes one pass for the statistics (row count,
 * classes, the mean and std of every feature and of a numeric target) and then one pass per
 * epoch through a {@link Dataset}; `evaluate` and `predict` make one pass, in chunks of rows.
 *
 * The errors are those of `csv.ts` (file, line and column), raised during the first pass, so a
 * bad cell fails before any training. A file that changes between passes is an error.
 * @module
 */
import { createReadStream, statSync } from 'node:fs';
import { CsvError, parse, type Options } from 'csv-parse';
import type { Dataset } from '../index.js';
import { mulberry32, seedState } from '../init.js';
import { RunningMoments } from '../data/running-moments.js';
import { columnIndex, type Selection, type TargetSpec } from './csv.js';
import { decimalProblem, parseDecimal } from './decimal.js';
import { modelSelection, outputWidth, type Encoding } from './encoding.js';
import { CliError } from './errors.js';
import { checkReadable } from './preflight.js';

/** csv-parse's options, shared by both readers below. */
const CSV_OPTIONS: Options = { skip_empty_lines: true, trim: true, bom: true };

/** The records of `file`, header first, parsed as the bytes arrive. */
async function* records(file: string, options: Options = CSV_OPTIONS): AsyncGenerator<string[]> {
  checkReadable(file);
  const input = createReadStream(file);
  const parser = parse(options);
  input.on('error', (e) => parser.destroy(new CliError(`cannot read '${file}': ${e.message}`)));
  input.pipe(parser);
  try {
    for await (const record of parser) yield record as string[];
  } catch (e) {
    if (e instanceof CsvError) throw new CliError(`'${file}' is not valid CSV: ${e.message}`);
    throw e;
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/**
 * A problem in data record `record` (0-based), reported with its line. Lines are looked up only
 * then ({@link lineOf}): asking csv-parse for every record's line costs a quarter of the pass.
 */
class RecordError {
  constructor(
    readonly record: number,
    readonly message: (line: number) => string,
  ) {}
}

/** The 1-based line where data record `record` (0-based) ends (the header is line 1). */
async function lineOf(file: string, record: number): Promise<number> {
  let n = -1;
  const options: Options = {
    ...CSV_OPTIONS,
    // The line of the wanted record, once; every other record is dropped.
    on_record: ((_: string[], info: { lines: number }) =>
      n++ === record ? [String(info.lines)] : null) as unknown as NonNullable<Options['on_record']>,
  };
  for await (const found of records(file, options)) return Number(found[0]);
  return 0;
}

/** Runs `read`, turning a {@link RecordError} into the CliError naming its line. */
async function* withLines<T>(file: string, read: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* read;
  } catch (e) {
    if (e instanceof RecordError) throw new CliError(e.message(await lineOf(file, e.record)));
    throw e;
  }
}

/** `file` opened: its header (checked) and the data records after it. */
async function open(file: string): Promise<{ columns: string[]; rows: AsyncGenerator<string[]> }> {
  const rows = records(file);
  const first = await rows.next();
  if (first.done) throw new CliError(`'${file}' is empty (expected a header row and data rows)`);
  const columns = first.value;
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) {
    await rows.return(undefined);
    throw new CliError(`'${file}': column '${dup}' appears twice in the header`);
  }
  return { columns, rows };
}

/** Reads the cells of the selected columns of a record, with csv.ts's errors. */
class Cells {
  readonly featureCols: number[];
  readonly target: number;
  constructor(
    readonly file: string,
    readonly columns: string[],
    selection: Selection,
  ) {
    this.featureCols = selection.features.map((f) => columnIndex(file, columns, f));
    this.target = selection.target ? columnIndex(file, columns, selection.target.name) : -1;
  }

  /** Cell `col` of data record `record` as a number. */
  number(cell: string, record: number, col: number): number {
    const d = parseDecimal(cell);
    if (d.ok) return d.value;
    throw new RecordError(
      record,
      (line) =>
        `'${this.file}' line ${line}, column '${this.columns[col]}': ${d.why === 'empty' ? 'the cell' : `'${cell}'`} ${decimalProblem(d.why)}`,
    );
  }

  /** The feature cells of data record `record` as numbers into `out` from `at`. */
  features(cells: string[], record: number, out: Float64Array, at: number): void {
    const cols = this.featureCols;
    for (let j = 0; j < cols.length; j++)
      out[at + j] = this.number(cells[cols[j]!]!, record, cols[j]!);
  }
}

/** What `train`'s first pass learns about the file. */
export interface TrainingScan {
  columns: string[];
  features: string[];
  rows: number;
  /** Per feature. */
  moments: RunningMoments[];
  /** The target column ('' without one). */
  target: string;
  /** The target's moments when every cell is a number (and it was read as numbers). */
  values?: RunningMoments;
  /** The distinct target labels in order of first appearance (read as labels). */
  labels?: string[];
}

/** Thrown to restart a scan whose `'auto'` target turned out to hold labels. */
class ReadAsLabels {}

/**
 * The first pass of `train`: checks every cell and gathers the statistics. An `'auto'` target
 * is read as numbers while its cells are numbers (keeping no labels, so a regression on 10^6
 * distinct values costs nothing); a later non-number restarts the pass reading labels.
 */
export async function scanTraining(
  file: string,
  select: (columns: string[]) => Selection,
): Promise<TrainingScan> {
  try {
    try {
      return await scan(file, select);
    } catch (e) {
      if (!(e instanceof ReadAsLabels)) throw e;
      return await scan(file, (columns) => {
        const s = select(columns);
        return { ...s, target: { ...s.target!, kind: 'label' } };
      });
    }
  } catch (e) {
    if (e instanceof RecordError) throw new CliError(e.message(await lineOf(file, e.record)));
    throw e;
  }
}

async function scan(file: string, select: (columns: string[]) => Selection): Promise<TrainingScan> {
  const { columns, rows } = await open(file);
  try {
    const selection = select(columns);
    const cells = new Cells(file, columns, selection);
    const spec = selection.target;
    const f = cells.featureCols.length;
    const moments = Array.from({ length: f }, () => new RunningMoments());
    const x = new Float64Array(f);
    const values = new RunningMoments();
    let mode: TargetSpec['kind'] | 'none' = spec?.kind ?? 'none';
    const labels = new Map<string, number>();
    let n = 0;
    for await (const r of rows) {
      cells.features(r, n, x, 0);
      for (let j = 0; j < f; j++) moments[j]!.add(x[j]!);
      const cell = r[cells.target] ?? '';
      if (mode === 'auto') {
        const d = parseDecimal(cell);
        if (d.ok) values.add(d.value);
        else if (n === 0) mode = 'label';
        else throw new ReadAsLabels();
      }
      if (mode === 'number') values.add(cells.number(cell, n, cells.target));
      else if (mode === 'label' && !labels.has(cell)) labels.set(cell, labels.size);
      n++;
    }
    if (n === 0) throw new CliError(`'${file}' has a header but no data rows`);
    return {
      columns,
      features: [...selection.features],
      rows: n,
      moments,
      target: spec?.name ?? '',
      ...(mode === 'label' ? { labels: [...labels.keys()] } : mode === 'none' ? {} : { values }),
    };
  } finally {
    await rows.return(undefined);
  }
}

/** A chunk of rows read by {@link chunks}: views into buffers reused for the next chunk. */
export interface Chunk {
  rows: number;
  /** rows × features, row-major. */
  x: Float64Array;
  /** The class id of each row (a classification read with its target). */
  ids?: Int32Array;
  /** The target value of each row, in its units (a regression read with its target). */
  values?: Float64Array;
  /** The records themselves (with `keepRecords`), e.g. to echo them. */
  records?: string[][];
}

/** How {@link chunks} reads a file. */
export interface ChunkOptions {
  /** Rows per chunk. */
  rows: number;
  keepRecords?: boolean;
  /** Called with the header once it is read (e.g. to write it out). */
  onHeader?: (columns: string[]) => void;
  /** Rows (0-based data row index) to skip, unread; e.g. the other side of a split. */
  skip?: () => (row: number) => boolean;
  /** The header `train`'s first pass saw: a different one is an error. */
  expectColumns?: readonly string[];
}

/**
 * The rows of `file` in chunks of `o.rows`, with the selected columns (a model's:
 * `modelSelection`): a target of kind `'label'` must list its `classes` (a class id per row),
 * any other is read as numbers. The arrays are reused: read a chunk before asking for the next.
 */
export function chunks(file: string, selection: Selection, o: ChunkOptions): AsyncGenerator<Chunk> {
  return withLines(file, readChunks(file, selection, o));
}

async function* readChunks(
  file: string,
  selection: Selection,
  o: ChunkOptions,
): AsyncGenerator<Chunk> {
  const { columns, rows } = await open(file);
  try {
    if (o.expectColumns && o.expectColumns.join('\n') !== columns.join('\n')) {
      throw new CliError(`'${file}' changed while it was being read`);
    }
    const cells = new Cells(file, columns, selection);
    o.onHeader?.(columns);
    const f = cells.featureCols.length;
    const x = new Float64Array(o.rows * f);
    const spec = selection.target;
    const classify = spec?.kind === 'label';
    const ids = new Int32Array(spec && classify ? o.rows : 0);
    const values = new Float64Array(spec && !classify ? o.rows : 0);
    const classOf = new Map((spec?.classes ?? []).map((c, i) => [c, i]));
    let kept: string[][] = [];
    const skip = o.skip?.();
    let filled = 0;
    let index = 0;
    const chunk = (): Chunk => ({
      rows: filled,
      x: x.subarray(0, filled * f),
      ...(spec && classify ? { ids: ids.subarray(0, filled) } : {}),
      ...(spec && !classify ? { values: values.subarray(0, filled) } : {}),
      ...(o.keepRecords ? { records: kept } : {}),
    });
    let any = false;
    for await (const r of rows) {
      any = true;
      const record = index++;
      if (skip?.(record)) continue;
      cells.features(r, record, x, filled * f);
      if (spec) {
        const cell = r[cells.target]!;
        if (classify) {
          const id = classOf.get(cell);
          if (id === undefined) {
            throw new RecordError(
              record,
              (line) =>
                `'${file}' line ${line}: class '${cell}' of column '${spec.name}' was not seen in training (classes: ${spec.classes!.join(', ')})`,
            );
          }
          ids[filled] = id;
        } else values[filled] = cells.number(cell, record, cells.target);
      }
      if (o.keepRecords) kept.push(r);
      if (++filled === o.rows) {
        yield chunk();
        filled = 0;
        kept = [];
      }
    }
    if (!any) throw new CliError(`'${file}' has a header but no data rows`);
    if (filled > 0) yield chunk();
  } finally {
    await rows.return(undefined);
  }
}

/**
 * The validation rows of a split: exactly `k` of the `n` rows, a uniform random choice made in
 * one pass (selection sampling, Knuth's Algorithm S: row `r` is taken with probability
 * `(k − taken) / (n − r)`), drawn from mulberry32 with state `seedState(seed) XOR 0x5BD1E995`,
 * so every pass picks the same rows. Returns a fresh predicate per pass, to call for rows
 * 0, 1, 2, … in order.
 */
export function splitRows(n: number, k: number, seed: number): () => (row: number) => boolean {
  return () => {
    const next = mulberry32((seedState(seed) ^ 0x5bd1e995) >>> 0);
    let taken = 0;
    return (row) => {
      if (row >= n) return false;
      const take = (next() / 0x1_0000_0000) * (n - row) < k - taken;
      if (take) taken++;
      return take;
    };
  };
}

/** Rows per item of a CSV dataset. */
const DATASET_ROWS = 512;

/**
 * The rows of a CSV file as a {@link Dataset} for `fit`: inputs as read (the network
 * standardises them), targets encoded (one-hot classes, or the standardised value). `skip`
 * leaves rows out (the other side of a validation split). Each epoch reads the file again.
 */
export function csvDataset(
  file: string,
  enc: Encoding,
  expectColumns: readonly string[],
  skip?: () => (row: number) => boolean,
): Dataset {
  const width = outputWidth(enc);
  return async function* () {
    const y = new Float64Array(DATASET_ROWS * width);
    const o: ChunkOptions = { rows: DATASET_ROWS, expectColumns };
    if (skip) o.skip = skip;
    for await (const c of chunks(file, modelSelection(enc, true), o)) {
      const out = y.subarray(0, c.rows * width);
      if (c.ids) {
        out.fill(0);
        for (let r = 0; r < c.rows; r++) out[r * width + c.ids[r]!] = 1;
      } else {
        for (let r = 0; r < c.rows; r++) out[r] = (c.values![r]! - enc.targetMean) / enc.targetStd;
      }
      yield { x: c.x, y: out };
    }
  };
}

/** Whether `file` can be read more than once (a regular file, not a pipe or a device). */
export function rereadable(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return true; // checkReadable reports it
  }
}
