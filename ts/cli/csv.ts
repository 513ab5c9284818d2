/**
 * The CLI's vocabulary for CSV columns: which columns to read (`Selection`, `TargetSpec`) and
 * the lookup of a column by name with the error listing the available ones. The files
 * themselves are read as streams by `csv-stream.ts`, record by record, straight into typed
 * arrays (no `string[][]` of the file is ever held), with errors naming file, line and column.
 * @module
 */
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
