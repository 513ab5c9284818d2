/**
 * Mean and population standard deviation accumulated one value at a time (a streaming pass
 * over data too large to hold), overflow-safe like `moments()` of `standardizer.ts`.
 *
 * Welford's update on the values divided by the largest magnitude seen so far, `s`: with
 * `u = x / s`, `m ← m + (u − m)/n` and `M2 ← M2 + (u − m_old)(u − m)`; when a larger `|x|`
 * arrives, the running `m` and `M2` are rescaled by `r = s_old / s_new` (`m·r`, `M2·r²`), so
 * no sum or square exceeds `n`. Result: `mean = m·s`, `std = √(M2/n)·s`.
 * @module
 */
export class RunningMoments {
  #n = 0;
  #scale = 0;
  #mean = 0;
  #m2 = 0;

  /** Adds one value (finite). */
  add(x: number): void {
    const a = Math.abs(x);
    if (a > this.#scale) {
      if (this.#scale > 0) {
        const r = this.#scale / a;
        this.#mean *= r;
        this.#m2 *= r * r;
      }
      this.#scale = a;
    }
    this.#n++;
    if (this.#scale === 0) return; // all zeros so far: mean 0, M2 0
    const u = x / this.#scale;
    const d = u - this.#mean;
    this.#mean += d / this.#n;
    this.#m2 += d * (u - this.#mean);
  }

  /** Values added. */
  get count(): number {
    return this.#n;
  }

  /** The mean and population standard deviation (`[0, 0]` before any value). */
  get value(): { mean: number; std: number } {
    if (this.#n === 0) return { mean: 0, std: 0 };
    return {
      mean: this.#mean * this.#scale,
      std: Math.sqrt(Math.max(0, this.#m2) / this.#n) * this.#scale,
    };
  }
}
