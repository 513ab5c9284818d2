// Summary statistics of throughput samples: median and the interquartile range.

/** Linear-interpolated quantile `q` (0..1) of an ascending array. */
export function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Throughput statistics from per-iteration latencies (ms) of `work` units each:
 * `{ median, p25, p75, samples }` in units per second (p25 is the slower quartile), plus the
 * ascending `rates` themselves when `keepRates` (to pool several runs).
 */
export function throughput(latenciesMs, work, keepRates = false) {
  const rates = latenciesMs.map((ms) => (work * 1000) / ms).sort((a, b) => a - b);
  return {
    ...(keepRates ? { rates } : {}),
    median: quantile(rates, 0.5),
    p25: quantile(rates, 0.25),
    p75: quantile(rates, 0.75),
    samples: rates.length,
  };
}
