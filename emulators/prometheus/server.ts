// A real Prometheus (Debian's 2.42 package) loaded with made-up history, so the Prometheus client is
// tested against the real query engine, its real JSON and its real errors instead of a guess at them.
//
// How: the series are written as OpenMetrics text, `promtool tsdb create-blocks-from openmetrics`
// turns them into TSDB blocks, and `prometheus` serves those blocks with an empty config (no scrape
// targets, no remote storage, no alerting: it never touches the network).
//
// What promtool 2.42 does that matters here:
// - every sample needs a timestamp (in seconds; "1700000000.125" keeps the milliseconds);
// - a sample older than the one before it in the same series is DROPPED WITHOUT AN ERROR, so samples
//   are sorted per series before writing;
// - blocks are cut at 2 h boundaries; samples of any age (even a year old) are accepted;
// - a file with no samples makes no block and succeeds.
// Prometheus 2.42 opens the blocks before /-/ready says 200; start still checks that a query finds
// data, so a slower or newer release cannot hand out a server that answers empty vectors.
// Prometheus sees a sample at most 5 minutes old (the default lookback) in an instant query, so
// history that should be "current" must end within 5 minutes of now; the helpers end it 5 s ago.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

export interface Series {
  name: string
  labels: Record<string, string>
  /** t in epoch ms; v may be NaN or ±Infinity. Any order: they are sorted before writing. */
  samples: Array<{ t: number; v: number }>
}

export interface PrometheusServer {
  /** http://127.0.0.1:PORT — the API is under /api/v1. */
  url: string
  close(): Promise<void>
}

export interface StartPrometheusOptions {
  series: Series[]
  /** Parent of the temporary data directory (default: the OS temp dir). It is removed on close. */
  dir?: string
  /** How long to wait for Prometheus to serve the data (default 30 s). */
  timeoutMs?: number
  /** Also scrape these loopback targets (host:port, path /metrics), e.g. the router emulator's. */
  scrape?: { job: string; targets: string[]; intervalSeconds?: number; honorLabels?: boolean }
  /** Rule files (absolute paths) Prometheus evaluates, every scrape interval. */
  ruleFiles?: string[]
}

/** The config file: nothing to scrape, or one job scraping `scrape.targets`; rule files when given. */
function configText(scrape: StartPrometheusOptions['scrape'], ruleFiles: string[] = []): string {
  const rules = ruleFiles.length ? ['rule_files:', ...ruleFiles.map((file) => `  - ${JSON.stringify(file)}`)] : []
  if (!scrape) return ['# nothing to scrape: the data comes from backfilled blocks', ...rules, ''].join('\n')
  // Prometheus durations are whole units: half a second is 500ms.
  const every = `${Math.round((scrape.intervalSeconds ?? 1) * 1000)}ms`
  return [
    'global:',
    `  scrape_interval: ${every}`,
    `  scrape_timeout: ${every}`,
    `  evaluation_interval: ${every}`,
    ...rules,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(scrape.job)}`,
    // A Pushgateway's series keep the job and instance they were pushed with.
    ...(scrape.honorLabels ? ['    honor_labels: true'] : []),
    '    static_configs:',
    `      - targets: ${JSON.stringify(scrape.targets)}`,
    ''
  ].join('\n')
}

const STEP_SECONDS = 15
/** The newest generated sample is this far before `now`: within the lookback, and never in the future. */
const END_OFFSET_MS = 5_000

export function onPath(name: string, firstDirs: string[] = []): string | null {
  for (const dir of [...firstDirs, ...(process.env.PATH ?? '').split(delimiter)].filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {
      // not here
    }
  }
  return null
}

/** The prometheus binary on PATH, or null when it is not installed. */
export function findPrometheus(): string | null {
  return onPath('prometheus')
}

// ---- generating history ----

/** Sample times ending END_OFFSET_MS before `now` (whole seconds), every STEP_SECONDS, over `minutes`. */
function sampleTimes(minutes: number, now = Date.now(), stepSeconds = STEP_SECONDS): number[] {
  const end = Math.floor((now - END_OFFSET_MS) / 1000) * 1000
  const count = Math.floor((minutes * 60) / stepSeconds)
  return Array.from({ length: count + 1 }, (_, i) => end - (count - i) * stepSeconds * 1000)
}

export interface HistoryOptions {
  name: string
  labels?: Record<string, string>
  minutes: number
  /** Default Date.now(). */
  now?: number
  /** Default 15 (a common scrape interval). */
  stepSeconds?: number
}

/** A counter growing by `perSecond` every second, from `start` (default 0) at the first sample. */
export function counterSeries(opts: HistoryOptions & { perSecond: number; start?: number }): Series {
  const times = sampleTimes(opts.minutes, opts.now, opts.stepSeconds)
  const start = opts.start ?? 0
  return {
    name: opts.name,
    labels: opts.labels ?? {},
    samples: times.map((t) => ({ t, v: start + (opts.perSecond * (t - times[0])) / 1000 })),
  }
}

/** A gauge holding `value`, or following it when it is a function of the sample time (epoch ms). */
export function gaugeSeries(opts: HistoryOptions & { value: number | ((t: number) => number) }): Series {
  const value = opts.value
  return {
    name: opts.name,
    labels: opts.labels ?? {},
    samples: sampleTimes(opts.minutes, opts.now, opts.stepSeconds).map((t) => ({ t, v: typeof value === 'number' ? value : value(t) })),
  }
}

/** Cumulative share of requests at or under each bound (seconds): p50 ≈ 50 ms, p90 ≈ 0.1 s, p99 = 0.5 s. */
export const DEFAULT_LATENCY: Array<[le: number, share: number]> = [
  [0.025, 0.2],
  [0.05, 0.5],
  [0.1, 0.9],
  [0.25, 0.95],
  [0.5, 0.99],
  [1, 0.999],
  [Infinity, 1],
]

/**
 * One version of one app serving traffic, as a typical HTTP middleware exports it (counters start at
 * 0 `minutes` ago, samples every 15 s, the last one 5 s before `now`):
 * - http_requests_total{app, version, code="200"}  at requestsPerSecond × (1 − errorRatio) per second
 * - http_requests_total{app, version, code="500"}  at requestsPerSecond × errorRatio per second
 * - http_request_duration_seconds_bucket{app, version, le} for the `latency` bounds (le="+Inf" last),
 *   http_request_duration_seconds_sum{app, version} and http_request_duration_seconds_count{app, version}
 * So sum(rate(…code="500"…[5m])) / sum(rate(…[5m])) = errorRatio, and
 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) = the p99 bound.
 */
export function canaryTraffic(opts: {
  app: string
  version: string
  requestsPerSecond: number
  errorRatio: number
  minutes: number
  now?: number
  /** Cumulative shares per bucket bound, ending with [Infinity, 1]. Default DEFAULT_LATENCY. */
  latency?: Array<[le: number, share: number]>
}): Series[] {
  const { app, version, requestsPerSecond: rps, minutes } = opts
  const now = opts.now ?? Date.now() // one instant for all series, so their samples line up
  const labels = { app, version }
  const latency = opts.latency ?? DEFAULT_LATENCY
  // The sum assumes requests sit in the middle of their bucket (the +Inf bucket at the last finite bound).
  let meanSeconds = 0
  latency.forEach(([le, share], i) => {
    const lower = i === 0 ? 0 : latency[i - 1][0]
    const upper = Number.isFinite(le) ? le : lower
    meanSeconds += ((lower + upper) / 2) * (share - (i === 0 ? 0 : latency[i - 1][1]))
  })
  return [
    counterSeries({ name: 'http_requests_total', labels: { ...labels, code: '200' }, perSecond: rps * (1 - opts.errorRatio), minutes, now }),
    counterSeries({ name: 'http_requests_total', labels: { ...labels, code: '500' }, perSecond: rps * opts.errorRatio, minutes, now }),
    ...latency.map(([le, share]) =>
      counterSeries({ name: 'http_request_duration_seconds_bucket', labels: { ...labels, le: formatValue(le) }, perSecond: rps * share, minutes, now }),
    ),
    counterSeries({ name: 'http_request_duration_seconds_sum', labels, perSecond: rps * meanSeconds, minutes, now }),
    counterSeries({ name: 'http_request_duration_seconds_count', labels, perSecond: rps, minutes, now }),
  ]
}

// ---- OpenMetrics ----

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

/** Seconds with the milliseconds spelled out, so no float rounding moves a sample by 1 ms. */
function formatTimestamp(ms: number): string {
  const whole = Math.floor(ms / 1000)
  const rest = Math.round(ms - whole * 1000)
  return rest === 0 ? String(whole) : `${whole}.${String(rest).padStart(3, '0')}`
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** The family a sample name belongs to, and its type, read from the naming conventions. */
function familyOf(name: string, names: Set<string>): { family: string; type: string } {
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name)
  if (histogram && names.has(`${histogram[1]}_bucket`)) return { family: histogram[1], type: 'histogram' }
  if (name.endsWith('_total')) return { family: name.slice(0, -'_total'.length), type: 'counter' }
  return { family: name, type: 'gauge' }
}

/** OpenMetrics text: one `# TYPE` per family, each series' samples in time order, `# EOF` last. */
export function toOpenMetrics(series: Series[]): string {
  const names = new Set(series.map((s) => s.name))
  const families = new Map<string, { type: string; lines: string[] }>()
  for (const s of series) {
    if (!METRIC_NAME.test(s.name)) throw new Error(`invalid metric name ${JSON.stringify(s.name)}`)
    const labels = Object.entries(s.labels).map(([k, v]) => {
      if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)} on ${s.name}`)
      return `${k}="${escapeLabel(v)}"`
    })
    const selector = labels.length > 0 ? `${s.name}{${labels.join(',')}}` : s.name
    const { family, type } = familyOf(s.name, names)
    const entry = families.get(family) ?? { type, lines: [] }
    families.set(family, entry)
    for (const { t, v } of [...s.samples].sort((a, b) => a.t - b.t)) {
      entry.lines.push(`${selector} ${formatValue(v)} ${formatTimestamp(t)}`)
    }
  }
  const out: string[] = []
  for (const [family, { type, lines }] of families) out.push(`# TYPE ${family} ${type}`, ...lines)
  out.push('# EOF')
  return out.join('\n') + '\n'
}

// ---- the server ----

// Prometheus processes still running, killed when this process exits however it exits, so a crashed
// test run leaves none behind.
const running = new Map<ChildProcess, string>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  const killAll = (): void => {
    for (const [child, dir] of running) {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
    running.clear()
  }
  process.on('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Clean up, then die of the same signal as we would have without this handler.
    process.once(signal, () => {
      killAll()
      process.kill(process.pid, signal)
    })
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** A query that finds `s` at its last sample, to know the blocks are loaded. */
function probeQuery(s: Series): URLSearchParams {
  const matchers = Object.entries(s.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`)
  const last = Math.max(...s.samples.map((x) => x.t))
  return new URLSearchParams({ query: `${s.name}{${matchers.join(',')}}`, time: formatTimestamp(last) })
}

export const isDead = (child: ChildProcess): boolean => child.pid === undefined || child.exitCode !== null || child.signalCode !== null

export async function stopChild(child: ChildProcess): Promise<void> {
  if (isDead(child)) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

export async function startPrometheus(opts: StartPrometheusOptions): Promise<PrometheusServer> {
  const prometheus = findPrometheus()
  const promtool = prometheus ? onPath('promtool', [dirname(prometheus)]) : null
  if (!prometheus || !promtool) {
    throw new Error('prometheus and promtool are not installed: run `apt-get install -y prometheus` (Debian/Ubuntu)')
  }
  installExitHook()
  const dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'canary-gate-prometheus-'))
  try {
    writeFileSync(join(dir, 'data.om'), toOpenMetrics(opts.series))
    writeFileSync(join(dir, 'prometheus.yml'), configText(opts.scrape, opts.ruleFiles))
    await promisify(execFile)(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'data.om'), join(dir, 'tsdb')]).catch(
      (err: { stderr?: string; message: string }) => {
        throw new Error(`promtool could not create blocks: ${err.stderr || err.message}`)
      },
    )
    const probe = opts.series.find((s) => s.samples.length > 0)
    // Another process may take the probed port before prometheus binds it: then try another one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const child = spawn(
        prometheus,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'tsdb')}`,
          '--storage.tsdb.retention.time=10y',
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      )
      running.set(child, dir)
      let stderr = ''
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
      child.once('exit', () => running.delete(child))
      const spawnError = await new Promise<Error | null>((resolve) => {
        child.once('spawn', () => resolve(null))
        child.once('error', resolve)
      })
      if (spawnError) {
        running.delete(child)
        throw new Error(`could not start ${prometheus}: ${spawnError.message}`)
      }
      const ready = await waitReady(child, url, probe, opts.timeoutMs ?? 30_000)
      if (ready === 'ready') {
        let closed: Promise<void> | undefined
        return {
          url,
          close: () =>
            (closed ??= stopChild(child).then(() => {
              running.delete(child)
              rmSync(dir, { recursive: true, force: true })
            })),
        }
      }
      await stopChild(child)
      running.delete(child)
      if (ready === 'exited' && /address already in use/.test(stderr) && attempt < 3) continue
      const why = ready === 'exited' ? `exited with ${child.exitCode ?? child.signalCode}` : `was not serving the data after ${opts.timeoutMs ?? 30_000} ms`
      throw new Error(`prometheus ${why}; the end of its log:\n${stderr}`)
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

/** Polls until /-/ready answers 200 and the probe query finds data (or the process dies, or time runs out). */
async function waitReady(child: ChildProcess, url: string, probe: Series | undefined, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (isDead(child)) return 'exited'
    try {
      const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })
      await ready.body?.cancel()
      if (ready.ok) {
        if (!probe) return 'ready'
        const answer = await fetch(`${url}/api/v1/query?${probeQuery(probe)}`, { signal: AbortSignal.timeout(1_000) })
        const body = (await answer.json()) as { data?: { result?: unknown[] } }
        if ((body.data?.result?.length ?? 0) > 0) return 'ready'
      }
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  return 'timeout'
}
