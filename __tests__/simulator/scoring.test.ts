// How the benchmark scores a run and reports a rate: the verdict → decision rules, the tally of a
// cell, and Wilson's interval against values worked out by hand from its formula.
import { describe, expect, it } from '@jest/globals'
import { addResult, decisionMinutes, emptyCell } from '../../scripts/simulator/bench.js'
import { decisionOf } from '../../scripts/simulator/canary.js'
import { JUDGES } from '../../scripts/simulator/judges.js'
import { NOTES, notesOf, renderMarkdown, renderReadmeTable, targetLines, type Summary } from '../../scripts/simulator/report.js'
import { nearestRank, wilson } from '../../scripts/simulator/stats.js'
import { SCENARIOS, TRAFFIC_LEVELS } from '../../scripts/simulator/traffic.js'

describe('scoring', () => {
  it('reads Failed as a rollback, Successful as a promotion, anything else as no decision', () => {
    expect(decisionOf('Failed')).toBe('rollback')
    expect(decisionOf('Successful')).toBe('promote')
    expect(decisionOf('Inconclusive')).toBe('inconclusive')
    expect(decisionOf('Error')).toBe('inconclusive')
  })

  it('tallies a cell, errors among the inconclusive, and times the decision that matters for the scenario', () => {
    const [aa, regression] = [SCENARIOS.find((s) => !s.regression)!, SCENARIOS.find((s) => s.regression)!]
    for (const scenario of [aa, regression]) {
      const cell = emptyCell(JUDGES[0], scenario, TRAFFIC_LEVELS[0])
      addResult(cell, { id: 0, decisions: 'RPPIE', minutes: [3, 10, 12, 90, 1], busyMs: 5, errorReason: 'boom' })
      expect(cell).toMatchObject({ runs: 5, rollback: 1, promote: 2, inconclusive: 2, errors: 1, errorReason: 'boom' })
      expect(decisionMinutes(cell)).toEqual(scenario.regression ? [3] : [10, 12])
    }
  })
})

describe('statistics', () => {
  it("gives Wilson's 95 % interval", () => {
    // 10/1000 by hand: centre (0.01 + z²/2000)/(1 + z²/1000) = 0.011875, half-width
    // z/(1 + z²/1000)·√(p(1−p)/n + z²/(4n²)) = 0.006434.
    const { lower, upper } = wilson(10, 1000)
    expect(lower).toBeCloseTo(0.005441, 5)
    expect(upper).toBeCloseTo(0.018309, 5)
    // No events: from exactly 0 to z²/(n + z²).
    expect(wilson(0, 1000).lower).toBe(0)
    expect(wilson(0, 1000).upper).toBeCloseTo(3.8415 / 1003.8415, 6)
    expect(wilson(1000, 1000).upper).toBe(1)
  })

  it('takes quantiles by nearest rank', () => {
    expect(nearestRank([5, 1, 4, 2, 3], 0.5)).toBe(3)
    expect(nearestRank(Array.from({ length: 100 }, (_, i) => i + 1), 0.95)).toBe(95)
    expect(nearestRank([], 0.5)).toBeUndefined()
  })
})

describe('the report', () => {
  const level = TRAFFIC_LEVELS.find((l) => l.id === 'prod')!
  const judgeOf = (id: string) => JUDGES.find((j) => j.id === id)!
  const cell = (judge: string, scenario: string, decisions: string, minutes: number[]) => {
    const c = emptyCell(judgeOf(judge), SCENARIOS.find((s) => s.id === scenario)!, level)
    addResult(c, { id: 0, decisions, minutes, busyMs: 1 })
    return c
  }
  const summary = (abortMinutes: number[]): Summary => ({
    seed: 1,
    runsPerCell: 3,
    workers: 1,
    wallMs: 1,
    judges: [
      { judge: judgeOf('mann-whitney'), horizon: 29, span: 30 },
      { judge: judgeOf('sequential'), horizon: 59, span: 60 }
    ],
    cells: [cell('sequential', 'aa', 'PPP', [59, 59, 59]), cell('sequential', 'aa-drift', 'PPR', [59, 59, 3]), cell('sequential', 'errors-2', 'RRR', abortMinutes)]
  })

  it('checks the targets against the horizon the brief names (30 min) and says how it compares with the 29 minutes to the verdict', () => {
    const [falseRollbacks, caught, time] = targetLines(summary([14, 15, 20]))
    expect(falseRollbacks).toMatch(/with drift — not met$/)
    expect(caught).toMatch(/— met$/)
    expect(time).toBe(
      "- sequential, median time to abort (errors ×2, 1,500 req/min) ≤ half the Mann-Whitney judge's fixed horizon (30 min, so ≤ 15 min): 15 min — met (against the 29 min from the start to the Mann-Whitney verdict, ≤ 14.5 min: not met)"
    )
    expect(targetLines(summary([16, 16, 16]))[2]).toContain('16 min — not met')
  })

  it('keeps the hand-written notes of the previous docs/decision-quality.md', () => {
    const notes = `${NOTES.start}\nWhat the figures mean.\n${NOTES.end}`
    expect(notesOf(`# old\n\n${notes}\n\n## more`)).toBe(notes)
    expect(notesOf('# no notes')).toBeUndefined()
    const markdown = renderMarkdown(summary([14, 14, 14]), 'chart.svg', notes)
    expect(markdown.indexOf(notes)).toBeGreaterThan(markdown.indexOf('## Targets (issue 9)'))
    expect(markdown.indexOf(notes)).toBeLessThan(markdown.indexOf('## How a run is scored'))
  })

  it('gives the README one row per judge: false rollbacks under A/A, the share caught and the median minutes under a regression', () => {
    const table = renderReadmeTable(summary([14, 15, 20]))
    expect(table).toContain('**1,500 req/min**')
    expect(table).not.toContain('**15 req/min**')
    expect(table).toContain('| sequential | 0.0 % | 33.3 % | – | 100.0 % (15) | – | – | – |')
    expect(table).not.toContain('| Mann-Whitney')
  })
})
