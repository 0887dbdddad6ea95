// Go duration strings, as Argo writes them: "30s", "1m", "1h30m", "500ms", "1.5h".

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y

/** Milliseconds for a Go duration, or undefined when the text is not one. "0" is allowed. */
export function parseDuration(text: string): number | undefined {
  const source = text.trim()
  if (source === '0') return 0
  let rest = source
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '') return undefined
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < rest.length) {
    const start = PART.lastIndex
    const match = PART.exec(rest)
    if (!match || match.index !== start) return undefined
    total += Number(match[1]) * UNIT_MS[match[2]]
  }
  return sign * total
}

/** "1h 2m 3s" style text for logs and reports. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 0) return `-${formatDuration(-ms)}`
  if (ms < 1000) return `${Math.round(ms)}ms`
  const totalSeconds = Math.round(ms / 1000)
  const h = Math.floor(totalSeconds / 3600)
  const m = Math.floor((totalSeconds % 3600) / 60)
  const s = totalSeconds % 60
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].filter(Boolean).join(' ')
}

const DAY_MS = 86_400_000
const YEAR_MS = 365 * DAY_MS

/** Like formatDuration, in days or years once it is that long (a misplaced count makes centuries). */
export function formatSpan(ms: number): string {
  if (ms >= 2 * YEAR_MS) return `${Math.floor(ms / YEAR_MS)} years`
  if (ms >= 2 * DAY_MS) return `${Math.floor(ms / DAY_MS)} days`
  return formatDuration(ms)
}
