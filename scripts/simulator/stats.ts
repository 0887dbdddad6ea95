// The few statistics the benchmark's table needs.

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054

/** Wilson's score interval (95 %) for k successes in n trials; [0, 1] when n is 0. */
export function wilson(k: number, n: number): { lower: number; upper: number } {
  if (n === 0) return { lower: 0, upper: 1 }
  const p = k / n
  const z2 = Z95 * Z95
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n)
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  // At k = 0 or k = n the exact end is 0 or 1; rounding would leave a hair beside it.
  return { lower: k === 0 ? 0 : Math.max(0, centre - half), upper: k === n ? 1 : Math.min(1, centre + half) }
}

/** The q-quantile by nearest rank; undefined for no values. */
export function nearestRank(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}
