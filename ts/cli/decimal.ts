/**
 * What the CLI accepts as a number, in CSV cells and option values: plain decimal notation, an
 * optional sign, digits with an optional fraction, an optional exponent (`12`, `-0.5`, `.5`,
 * `3e-4`, `+1E6`). `Number()` alone also takes `0x10`, `0b101`, `0o7`, `Infinity`, `''` and
 * `' '` (both 0), so a hexadecimal id or an empty option would silently become a value.
 * Surrounding whitespace in CSV cells is removed by the CSV reader (`trim`), not here.
 * @module
 */

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A parsed decimal, or why the text is not one. */
export type Decimal =
  { ok: true; value: number } | { ok: false; why: 'empty' | 'syntax' | 'range' };

/**
 * Parses plain decimal notation. Values beyond ±1.8e308 are `'range'` (they would become
 * ±Infinity); values that underflow (1e-400) round to ±0 as in any float parser.
 */
export function parseDecimal(text: string): Decimal {
  if (text === '') return { ok: false, why: 'empty' };
  if (!DECIMAL.test(text)) return { ok: false, why: 'syntax' };
  const value = Number(text);
  return Number.isFinite(value) ? { ok: true, value } : { ok: false, why: 'range' };
}

/** The number, or undefined for anything `parseDecimal` rejects. */
export function decimalOrUndefined(text: string): number | undefined {
  const d = parseDecimal(text);
  return d.ok ? d.value : undefined;
}

/** Why a cell or option value was rejected, in words (after `'<text>' `). */
export function decimalProblem(why: 'empty' | 'syntax' | 'range'): string {
  return why === 'range'
    ? 'is out of range (beyond ±1.8e308)'
    : why === 'empty'
      ? 'is empty (expected a number)'
      : 'is not a number (expected decimal notation such as 12, -0.5 or 3e-4)';
}
