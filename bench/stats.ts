// Timing and summary statistics for the benchmarks. Times are wall-clock milliseconds from
// performance.now(); a figure is only ever compared with a baseline measured in the same run.

/** Runs `fn` once and returns how long it took, with its value. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** The middle sample (mean of the two middle ones for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function minimum(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('minimum of no samples');
  return Math.min(...samples);
}

/** The usual summary of ratios: a 2x and a 0.5x cancel out. */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('geometric mean of no values');
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}
