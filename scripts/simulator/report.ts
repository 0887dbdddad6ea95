// The decision-quality table, as the benchmark prints it and docs/decision-quality.md keeps it.
import { decisionMinutes, type Cell } from './bench.js'
import { ANALYSIS_START_MINUTE, TIMEOUT_MINUTES } from './canary.js'
import type { JudgeConfig } from './judges.js'
import { SAMPLE_LIMIT } from './provider.js'
import { nearestRank, wilson } from './stats.js'
import { BASE, DRIFT, SCENARIOS, STEPS, TRAFFIC_LEVELS } from './traffic.js'

export interface JudgeStatus {
  judge: JudgeConfig
  /** The latest it decides, in minutes after the analysis starts. */
  horizon: number
  /** The traffic it looks at when every measurement counts, in minutes (count × interval). */
  span: number
}

export interface Summary {
  seed: number
  runsPerCell: number
  workers: number
  wallMs: number
  judges: JudgeStatus[]
  cells: Cell[]
}

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`

function rateWithInterval(k: number, n: number): string {
  const { lower, upper } = wilson(k, n)
  return `${percent(k / n)} [${(100 * lower).toFixed(1)}, ${(100 * upper).toFixed(1)}]`
}

const minutesText = (x: number | undefined): string => (x === undefined ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(1))

export function cellRow(cell: Cell): string[] {
  const { runs } = cell
  const times = decisionMinutes(cell)
  const errors = cell.errors > 0 ? ` (${cell.errors} error${cell.errors === 1 ? '' : 's'})` : ''
  return [
    cell.scenario.title,
    cell.judge.title,
    cell.scenario.regression ? '–' : `${cell.rollback} = ${rateWithInterval(cell.rollback, runs)}`,
    cell.scenario.regression ? rateWithInterval(cell.rollback, runs) : '–',
    percent(cell.promote / runs),
    `${percent(cell.inconclusive / runs)}${errors}`,
    times.length === 0 ? '–' : `${minutesText(nearestRank(times, 0.5))} / ${minutesText(nearestRank(times, 0.95))}`,
    cell.busyMs > 0 ? String(Math.round(runs / (cell.busyMs / 1000))) : '–'
  ]
}

const HEADER = ['scenario', 'judge', 'false rollbacks (A/A)', 'caught (regressions)', 'promoted', 'inconclusive', 'time to decision¹, median / p95 min', 'runs/s²']

function markdownTable(rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map(line)].join('\n')
}

function find(summary: Summary, judge: string, scenario: string, level: string): Cell | undefined {
  return summary.cells.find((c) => c.judge.id === judge && c.scenario.id === scenario && c.level.id === level)
}

/** The issue's targets, each with what the benchmark measured (or that it was not run). */
export function targetLines(summary: Summary): string[] {
  const mannWhitney = summary.judges.find((j) => j.judge.id === 'mann-whitney')
  const lines: string[] = []
  const aa = ['aa', 'aa-drift'].map((s) => find(summary, 'sequential', s, 'prod'))
  const doubled = find(summary, 'sequential', 'errors-2', 'prod')
  if (!aa[0] || !aa[1] || !doubled) {
    lines.push('- sequential judge at 1,500 req/min: not run')
  } else {
    const worst = Math.max(aa[0].rollback / aa[0].runs, aa[1].rollback / aa[1].runs)
    lines.push(
      `- sequential, A/A false rollbacks at 1,500 req/min ≤ 1 %: ${rateWithInterval(aa[0].rollback, aa[0].runs)} without drift, ${rateWithInterval(aa[1].rollback, aa[1].runs)} with drift — ${worst <= 0.01 ? 'met' : 'not met'}`
    )
    const caught = doubled.rollback / doubled.runs
    lines.push(`- sequential, errors ×2 caught at 1,500 req/min ≥ 99 %: ${rateWithInterval(doubled.rollback, doubled.runs)} — ${caught >= 0.99 ? 'met' : 'not met'}`)
    const median = nearestRank(doubled.rollbackMinutes, 0.5)
    if (!mannWhitney) {
      lines.push(`- sequential, median time to abort (errors ×2, 1,500 req/min): ${minutesText(median)} min; the Mann-Whitney judge was not run, so not compared`)
    } else {
      // The horizon is the traffic the fixed-horizon judge waits for (count × interval); its verdict
      // comes one interval earlier after the start, as its first reading covers the interval before.
      const { span, horizon } = mannWhitney
      const within = (limit: number): string => (median !== undefined && median <= limit ? 'met' : 'not met')
      lines.push(
        `- sequential, median time to abort (errors ×2, 1,500 req/min) ≤ half the Mann-Whitney judge's fixed horizon (${minutesText(span)} min, so ≤ ${minutesText(span / 2)} min): ${minutesText(median)} min — ${within(span / 2)}` +
          ` (against the ${minutesText(horizon)} min from the start to the Mann-Whitney verdict, ≤ ${minutesText(horizon / 2)} min: ${within(horizon / 2)})`
      )
    }
  }
  const fixedDrift = ['qa', 'prod'].map((l) => find(summary, 'fixed', 'aa-drift', l))
  const fixedPlain = ['qa', 'prod'].map((l) => find(summary, 'fixed', 'aa', l))
  const fixedDoubled = find(summary, 'fixed', 'errors-2', 'prod')
  if (fixedDrift[0] && fixedDrift[1] && fixedPlain[0] && fixedPlain[1] && fixedDoubled) {
    const rate = (c: Cell): string => percent(c.rollback / c.runs)
    lines.push(
      `- the fixed threshold's failure modes: A/A with drift rolled back ${rate(fixedDrift[0])} at 15 req/min and ${rate(fixedDrift[1])} at 1,500 (without drift ${rate(fixedPlain[0])} and ${rate(fixedPlain[1])}); errors ×2 on a 0.5 % base rate caught ${rate(fixedDoubled)} at 1,500 req/min`
    )
  }
  // 15 req/min: no target, the figures each judge reaches.
  const qa = summary.judges.flatMap(({ judge }) => {
    const cells = ['aa', 'aa-drift', 'errors-2', 'errors-5', 'p99-100'].map((s) => find(summary, judge.id, s, 'qa'))
    if (cells.some((c) => !c)) return []
    const [plain, drift, twice, five, slow] = cells as Cell[]
    const share = (c: Cell): string => percent(c.rollback / c.runs)
    const undecided = (c: Cell): string => percent(c.inconclusive / c.runs)
    return [
      `  - ${judge.title}: false rollbacks ${share(plain)} (A/A), ${share(drift)} (drift); caught errors ×2 ${share(twice)}, ×5 ${share(five)}, p99 +100 % ${share(slow)}; inconclusive in A/A ${undecided(plain)}`
    ]
  })
  if (qa.length > 0) lines.push('- at 15 req/min (no target; what each judge reaches):', ...qa)
  return lines
}

export function parameterLines(): string[] {
  const steps = STEPS.map((s, i) => `${Math.round(100 * s.weight)} %${i + 1 < STEPS.length ? ` for minutes ${s.fromMinute}–${STEPS[i + 1].fromMinute}` : ` from minute ${s.fromMinute}`}`).join(', ')
  const { diurnal, slowDependency } = DRIFT
  return [
    `- Requests: Poisson, ${TRAFFIC_LEVELS.map((l) => l.title).join(' and ')} across both arms; the canary's share ${steps} of its life; the analysis starts at minute ${ANALYSIS_START_MINUTE} and times out after ${TIMEOUT_MINUTES} minutes.`,
    `- Errors: each request fails with probability ${percent(BASE.baseErrorRate)} × drift (× the scenario's factor on the canary): binomial per minute.`,
    `- Latency: log-normal, median ${BASE.latency.medianMs} ms, σ ${BASE.latency.sigma} (p99 ${Math.round(BASE.latency.medianMs * Math.exp(2.3263 * BASE.latency.sigma))} ms), × drift; a latency regression multiplies every canary request by its factor (median, mean and p99 alike).`,
    `- Drift (A/A with drift only), on both arms: a diurnal swing, errors × (1 ± ${diurnal.errorAmplitude}) and latency × (1 ± ${diurnal.latencyAmplitude}) over ${diurnal.periodMinutes / 60} h from a random time of day, and a slow dependency from a random minute in [${slowDependency.earliest}, ${slowDependency.latest}) of the canary's life (before it, during its analysis or after, as dependencies do not wait for canaries): errors × ${slowDependency.errors}, latency × ${slowDependency.latency}.`,
    `- The backends: exact counts per arm and window, p99 as the exact nearest-rank quantile of the window's requests, latency samples of at most ${SAMPLE_LIMIT} requests per arm and minute; every answer goes through the real provider's parsing.`,
    `- Scenarios: ${SCENARIOS.map((s) => s.title).join(', ')}. Each run draws its own traffic from the seed; every judge sees the same runs.`
  ]
}

export const SCORING_LINES = [
  '- **Rolled back**: the verdict is Failed. In an A/A scenario that is a false rollback; in a regression, a catch.',
  '- **Promoted**: the verdict is Successful (in a regression scenario, a miss).',
  '- **Inconclusive**: the verdict is Inconclusive (manual review, too little data) or Error (including the timeout): the gate decides nothing on its own. Errors are also counted apart.',
  '- ¹ Time to decision, in simulated minutes from the start of the analysis: to the promotion in A/A rows, to the rollback in regression rows ("–": no such run).',
  '- ² Runs per second of one worker process (wall time, the engine on a virtual clock; it varies with the machine\'s load).'
]

/**
 * The short table for the README: per traffic level, one row per judge and one column per scenario,
 * false rollbacks in the A/A columns and the share caught (median minutes to the rollback) in the
 * regression columns.
 */
export function renderReadmeTable(summary: Summary): string {
  const out: string[] = []
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  const head = ['judge', ...SCENARIOS.map((s) => (s.regression ? `${s.title}: caught (median min)` : `${s.title}: false rollbacks`))]
  for (const level of TRAFFIC_LEVELS) {
    const rows = summary.judges.flatMap(({ judge }) => {
      const cells = SCENARIOS.map((s) => find(summary, judge.id, s.id, level.id))
      if (cells.every((c) => !c)) return []
      return [
        line([
          judge.title,
          ...cells.map((c) => {
            if (!c) return '–'
            const share = percent(c.rollback / c.runs)
            if (!c.scenario.regression) return share
            const median = nearestRank(c.rollbackMinutes, 0.5)
            return median === undefined ? share : `${share} (${minutesText(median)})`
          })
        ])
      ]
    })
    if (rows.length === 0) continue
    out.push(`**${level.title}**`, '', line(head), line(head.map(() => '---')), ...rows, '')
  }
  out.push(
    `${summary.runsPerCell} simulated canaries per cell (seed ${summary.seed}), each through the real plan code and engine; minutes from the start of the analysis. The seed's fixed threshold reads the error rate only: its figures in the p99 columns are its A/A noise. Inconclusive runs, time to promotion and the 95 % intervals: [docs/decision-quality.md](docs/decision-quality.md).`
  )
  return out.join('\n') + '\n'
}

/** The hand-written part of docs/decision-quality.md, kept from one run to the next. */
export const NOTES = { start: '<!-- notes: written by hand, kept by npm run bench:decisions -->', end: '<!-- /notes -->' }

/** The notes block of an earlier docs/decision-quality.md, markers included (undefined when none). */
export function notesOf(markdown: string): string | undefined {
  const from = markdown.indexOf(NOTES.start)
  const to = markdown.indexOf(NOTES.end)
  return from === -1 || to < from ? undefined : markdown.slice(from, to + NOTES.end.length)
}

export function renderMarkdown(summary: Summary, chart?: string, notes?: string): string {
  const out: string[] = []
  out.push('# Decision quality of the judges')
  out.push('')
  out.push(
    `Made by \`npm run bench:decisions -- --seed ${summary.seed} --runs ${summary.runsPerCell}\`: ${summary.runsPerCell} simulated canaries per judge, scenario and traffic level, each judged by the real analysis engine on a virtual clock, from AnalysisTemplates read by the real plan code (scripts/simulator/). ${summary.cells.reduce((sum, c) => sum + c.runs, 0)} runs in ${(summary.wallMs / 1000).toFixed(0)} s on ${summary.workers} worker process${summary.workers === 1 ? '' : 'es'}.`
  )
  out.push('')
  if (chart) out.push(`![False rollbacks, catches and time to decision per judge and scenario](${chart})`, '')
  for (const level of TRAFFIC_LEVELS) {
    const cells = summary.cells.filter((c) => c.level.id === level.id)
    if (cells.length === 0) continue
    out.push(`## ${level.title}`)
    out.push('')
    const ordered = SCENARIOS.flatMap((s) => summary.judges.flatMap((j) => cells.filter((c) => c.scenario.id === s.id && c.judge.id === j.judge.id)))
    out.push(markdownTable(ordered.map(cellRow)))
    out.push('')
  }
  out.push('## Targets (issue 9)')
  out.push('')
  out.push(...targetLines(summary))
  out.push('')
  if (notes) out.push(notes, '')
  out.push('## How a run is scored')
  out.push('')
  out.push(...SCORING_LINES)
  out.push('')
  out.push('## The simulated traffic')
  out.push('')
  out.push(...parameterLines())
  out.push('')
  out.push('## The judges')
  out.push('')
  for (const { judge, horizon } of summary.judges) out.push(`- ${judge.title}: ${judge.files.join(', ')}; decides at the latest ${minutesText(horizon)} min after the start when every measurement counts.`)
  out.push('')
  out.push("The seed's fixed threshold reads the error rate only: its rollbacks in the p99 rows are its A/A noise, not catches.")
  out.push('')
  return out.join('\n')
}
