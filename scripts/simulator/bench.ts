// The benchmark's unit of work and its tally: a task is a range of simulated canaries of one judge,
// scenario and traffic level; a cell gathers every run of one judge × scenario × traffic level.
import { hashNumbers } from '../../src/analysis/judges/random.js'
import type { MetricSpec } from '../../src/analysis/types.js'
import { runCanary, type CanaryRun } from './canary.js'
import type { JudgeConfig } from './judges.js'
import { modelFor, SCENARIOS, TRAFFIC_LEVELS, type Scenario, type TrafficLevel } from './traffic.js'

export interface Task {
  id: number
  judge: string
  scenario: string
  level: string
  /** Runs [from, to) of the cell. */
  from: number
  to: number
  /** The benchmark's seed. */
  seed: number
}

export interface TaskResult {
  id: number
  /** One letter per run: R rolled back, P promoted, I inconclusive, E error (an inconclusive too). */
  decisions: string
  /** Simulated minutes to the verdict, per run. */
  minutes: number[]
  /** Wall time spent running the task's canaries. */
  busyMs: number
  /** The first Error verdict's reason, if any. */
  errorReason?: string
}

/**
 * The seed of run `run` of a scenario at a traffic level: the same for every judge, so the judges
 * are compared on the very same canaries.
 */
export function runSeed(seed: number, scenario: Scenario, level: TrafficLevel, run: number): number {
  return hashNumbers([seed, SCENARIOS.indexOf(scenario), TRAFFIC_LEVELS.indexOf(level), run])
}

function letter(run: CanaryRun): string {
  if (run.verdict === 'Error') return 'E'
  return run.decision === 'rollback' ? 'R' : run.decision === 'promote' ? 'P' : 'I'
}

export function scenarioById(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id)
  if (!found) throw new Error(`no scenario "${id}" (${SCENARIOS.map((s) => s.id).join(', ')})`)
  return found
}

export function levelById(id: string): TrafficLevel {
  const found = TRAFFIC_LEVELS.find((l) => l.id === id)
  if (!found) throw new Error(`no traffic level "${id}" (${TRAFFIC_LEVELS.map((l) => l.id).join(', ')})`)
  return found
}

export async function runTask(task: Task, metrics: MetricSpec[]): Promise<TaskResult> {
  const scenario = scenarioById(task.scenario)
  const level = levelById(task.level)
  const model = modelFor(scenario, level)
  const started = performance.now()
  let decisions = ''
  const minutes: number[] = []
  let errorReason: string | undefined
  for (let run = task.from; run < task.to; run++) {
    const outcome = await runCanary(metrics, model, runSeed(task.seed, scenario, level, run))
    decisions += letter(outcome)
    minutes.push(outcome.minutes)
    if (outcome.verdict === 'Error' && errorReason === undefined) errorReason = outcome.reason
  }
  return { id: task.id, decisions, minutes, busyMs: performance.now() - started, errorReason }
}

export interface Cell {
  judge: JudgeConfig
  scenario: Scenario
  level: TrafficLevel
  runs: number
  rollback: number
  promote: number
  /** Inconclusive verdicts and errors together (no automatic decision). */
  inconclusive: number
  errors: number
  errorReason?: string
  rollbackMinutes: number[]
  promoteMinutes: number[]
  busyMs: number
}

export function emptyCell(judge: JudgeConfig, scenario: Scenario, level: TrafficLevel): Cell {
  return { judge, scenario, level, runs: 0, rollback: 0, promote: 0, inconclusive: 0, errors: 0, rollbackMinutes: [], promoteMinutes: [], busyMs: 0 }
}

export function addResult(cell: Cell, result: TaskResult): void {
  for (let i = 0; i < result.decisions.length; i++) {
    const d = result.decisions[i]
    cell.runs++
    if (d === 'R') {
      cell.rollback++
      cell.rollbackMinutes.push(result.minutes[i])
    } else if (d === 'P') {
      cell.promote++
      cell.promoteMinutes.push(result.minutes[i])
    } else {
      cell.inconclusive++
      if (d === 'E') cell.errors++
    }
  }
  cell.errorReason ??= result.errorReason
  cell.busyMs += result.busyMs
}

/**
 * The times the table reports: to the rollback for a regression (how long a bad canary stays live
 * once it is caught), to the promotion for an A/A canary (how long a good one waits).
 */
export function decisionMinutes(cell: Cell): number[] {
  return cell.scenario.regression ? cell.rollbackMinutes : cell.promoteMinutes
}
