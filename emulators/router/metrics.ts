// Counters and histograms in the Prometheus text exposition format 0.0.4: what a real Prometheus scrapes
// from /metrics. One `# HELP` and one `# TYPE` per family; a histogram's buckets are cumulative, in
// order of `le`, ending with le="+Inf" (equal to _count), then _sum and _count.

/** ingress-nginx's buckets for response durations (prometheus.DefBuckets), in seconds. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

type Labels = Record<string, string>

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`
}

function formatNumber(v: number): string {
  if (v === Infinity) return '+Inf'
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)))
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels))
}

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>()
  constructor(
    readonly name: string,
    readonly help: string
  ) {}

  inc(labels: Labels, by = 1): void {
    const key = keyOf(labels)
    const entry = this.values.get(key) ?? { labels, value: 0 }
    entry.value += by
    this.values.set(key, entry)
  }

  /** Sum over the series whose labels include `match`. */
  sum(match: Labels = {}): number {
    let total = 0
    for (const { labels, value } of this.values.values()) if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += value
    return total
  }

  expose(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.values.values()].map(({ labels, value }) => `${this.name}${formatLabels(labels)} ${formatNumber(value)}`)]
  }
}

export class Histogram {
  private readonly values = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[] = DEFAULT_BUCKETS
  ) {}

  observe(labels: Labels, seconds: number): void {
    const key = keyOf(labels)
    const entry = this.values.get(key) ?? { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 }
    this.bounds.forEach((le, i) => {
      if (seconds <= le) entry.buckets[i]++
    })
    entry.sum += seconds
    entry.count++
    this.values.set(key, entry)
  }

  expose(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const { labels, buckets, sum, count } of this.values.values()) {
      this.bounds.forEach((le, i) => lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: formatNumber(le) })} ${buckets[i]}`))
      lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${count}`)
      lines.push(`${this.name}_sum${formatLabels(labels)} ${formatNumber(sum)}`)
      lines.push(`${this.name}_count${formatLabels(labels)} ${count}`)
    }
    return lines
  }
}

/** The exposition text of `families`, ending with a newline. */
export function exposition(families: Array<Counter | Histogram>): string {
  return `${families.flatMap((f) => f.expose()).join('\n')}\n`
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
