// docs/decision-quality.svg, drawn from the benchmark's numbers: for each traffic level, the share
// of canaries rolled back per scenario and judge (false rollbacks in the A/A scenarios, catches in
// the regressions) with its 95 % interval, and the time to decision (median, whisker to p95).
import { decisionMinutes, type Cell } from './bench.js'
import type { JudgeStatus, Summary } from './report.js'
import { nearestRank, wilson } from './stats.js'
import { SCENARIOS, TRAFFIC_LEVELS } from './traffic.js'

const COLOURS = ['#6b7280', '#d97706', '#2563eb', '#059669', '#9333ea', '#dc2626']
const WIDTH = 1200
const PANEL = { width: 520, height: 250 }
const MARGIN = { left: 70, top: 110, gap: 90, row: 360 }

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const fixed = (x: number): string => x.toFixed(1)

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${fixed(x)}" y="${fixed(y)}" ${attrs}>${escape(content)}</text>`
}

interface Bar {
  value: number
  low?: number
  high?: number
}

interface PanelSpec {
  x: number
  y: number
  title: string
  max: number
  ticks: number[]
  tickLabel: (v: number) => string
  bar: (cell: Cell) => Bar | undefined
  shadeAA: boolean
}

function panel(spec: PanelSpec, judges: JudgeStatus[], cells: Cell[]): string[] {
  const { x, y, max } = spec
  const out: string[] = []
  const scaleY = (v: number): number => y + PANEL.height - (Math.min(v, max) / max) * PANEL.height
  out.push(text(x, y - 14, spec.title, 'font-size="14" font-weight="600"'))
  const group = PANEL.width / SCENARIOS.length
  if (spec.shadeAA) {
    const aa = SCENARIOS.filter((s) => !s.regression).length
    out.push(`<rect x="${fixed(x)}" y="${fixed(y)}" width="${fixed(group * aa)}" height="${PANEL.height}" fill="#fef2f2"/>`)
    out.push(text(x + (group * aa) / 2, y + 14, 'false rollbacks ↓', 'font-size="11" text-anchor="middle" fill="#b91c1c"'))
    out.push(text(x + group * aa + (PANEL.width - group * aa) / 2, y + 14, 'caught ↑', 'font-size="11" text-anchor="middle" fill="#047857"'))
  }
  for (const tick of spec.ticks) {
    const ty = scaleY(tick)
    out.push(`<line x1="${fixed(x)}" x2="${fixed(x + PANEL.width)}" y1="${fixed(ty)}" y2="${fixed(ty)}" stroke="#e5e7eb"/>`)
    out.push(text(x - 6, ty + 4, spec.tickLabel(tick), 'font-size="11" text-anchor="end" fill="#374151"'))
  }
  out.push(`<line x1="${x}" x2="${x + PANEL.width}" y1="${y + PANEL.height}" y2="${y + PANEL.height}" stroke="#374151"/>`)
  const barWidth = (group - 16) / judges.length
  SCENARIOS.forEach((scenario, s) => {
    const gx = x + s * group + 8
    // Two lines (the first word, then the rest), so neighbouring labels never run into each other.
    const space = scenario.title.indexOf(' ')
    const lines = space === -1 ? [scenario.title] : [scenario.title.slice(0, space), scenario.title.slice(space + 1)]
    lines.forEach((line, i) => out.push(text(x + s * group + group / 2, y + PANEL.height + 16 + 13 * i, line, 'font-size="11" text-anchor="middle" fill="#111827"')))
    judges.forEach((status, j) => {
      const cell = cells.find((c) => c.scenario.id === scenario.id && c.judge.id === status.judge.id)
      const bx = gx + j * barWidth
      if (!cell) {
        // Not run: a hollow mark, so an empty slot is not read as zero.
        out.push(`<rect x="${fixed(bx + 1)}" y="${fixed(y + PANEL.height - 6)}" width="${fixed(barWidth - 2)}" height="6" fill="none" stroke="${COLOURS[j]}" stroke-dasharray="2 2"/>`)
        return
      }
      const bar = spec.bar(cell)
      if (!bar) return
      const top = scaleY(bar.value)
      out.push(`<rect x="${fixed(bx + 1)}" y="${fixed(top)}" width="${fixed(barWidth - 2)}" height="${fixed(y + PANEL.height - top)}" fill="${COLOURS[j]}"><title>${escape(`${cell.judge.title}, ${cell.scenario.title}: ${spec.tickLabel(bar.value)}`)}</title></rect>`)
      if (bar.high !== undefined) {
        const cx = bx + barWidth / 2
        const low = scaleY(bar.low ?? bar.value)
        const high = scaleY(bar.high)
        out.push(`<line x1="${fixed(cx)}" x2="${fixed(cx)}" y1="${fixed(low)}" y2="${fixed(high)}" stroke="#111827"/>`)
        out.push(`<line x1="${fixed(cx - 3)}" x2="${fixed(cx + 3)}" y1="${fixed(high)}" y2="${fixed(high)}" stroke="#111827"/>`)
      }
    })
  })
  return out
}

/** The axis's top: a quarter of it is a round number of minutes. */
function niceCeiling(value: number): number {
  for (const top of [4, 8, 20, 40, 60, 80, 100, 120]) if (value <= top) return top
  return Math.ceil(value / 40) * 40
}

export function renderChart(summary: Summary): string {
  const judges = summary.judges
  const height = MARGIN.top + TRAFFIC_LEVELS.length * MARGIN.row
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`)
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`)
  out.push(text(MARGIN.left - 50, 30, 'Decision quality of the judges', 'font-size="20" font-weight="700"'))
  out.push(text(MARGIN.left - 50, 52, `${summary.runsPerCell} simulated canaries per bar, seed ${summary.seed}; whiskers: 95 % Wilson interval (left), p95 (right); time: to the promotion in A/A, to the rollback in a regression`, 'font-size="12" fill="#374151"'))
  judges.forEach((status, j) => {
    const lx = MARGIN.left - 50 + j * 270
    out.push(`<rect x="${lx}" y="68" width="14" height="14" fill="${COLOURS[j]}" stroke="${COLOURS[j]}"/>`)
    out.push(text(lx + 20, 80, status.judge.title, 'font-size="12"'))
  })
  TRAFFIC_LEVELS.forEach((level, row) => {
    const cells = summary.cells.filter((c) => c.level.id === level.id)
    const y = MARGIN.top + 30 + row * MARGIN.row
    out.push(
      ...panel(
        {
          x: MARGIN.left,
          y,
          title: `${level.title}: canaries rolled back`,
          max: 1,
          ticks: [0, 0.25, 0.5, 0.75, 1],
          tickLabel: (v) => `${Math.round(100 * v)} %`,
          shadeAA: true,
          bar: (cell) => {
            const { lower, upper } = wilson(cell.rollback, cell.runs)
            return { value: cell.rollback / cell.runs, low: lower, high: upper }
          }
        },
        judges,
        cells
      )
    )
    const longest = Math.max(1, ...cells.map((c) => nearestRank(decisionMinutes(c), 0.95) ?? 0))
    const max = niceCeiling(longest)
    out.push(
      ...panel(
        {
          x: MARGIN.left + PANEL.width + MARGIN.gap,
          y,
          title: `${level.title}: time to decision`,
          max,
          ticks: [0, max / 4, max / 2, (3 * max) / 4, max],
          tickLabel: (v) => `${v} min`,
          shadeAA: false,
          bar: (cell) => {
            const times = decisionMinutes(cell)
            const median = nearestRank(times, 0.5)
            return median === undefined ? undefined : { value: median, high: nearestRank(times, 0.95) }
          }
        },
        judges,
        cells
      )
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
