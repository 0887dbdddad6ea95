// What one action run did, in one structure that every report (JSON file, job summary, PR comment,
// check) is rendered from.
import type { AnalysisOutcome, Verdict } from '../analysis/types.js'
import type { Command } from '../inputs.js'

export type Outcome = 'promoted' | 'aborted' | 'paused' | 'none'

export interface AnalysisRecord {
  /** How people refer to it: `analyze`, `step 6/9`, `background`. */
  label: string
  /** Index of the rollout step it stood for, from 0. */
  stepIndex?: number
  templates: string[]
  outcome: AnalysisOutcome
}

export interface GateResult {
  command: Command
  verdict: Verdict
  outcome: Outcome
  /** Why the verdict and what was done, in plain words, most important first. */
  reasons: string[]
  startedAt: number
  finishedAt: number
  analyses: AnalysisRecord[]
  /** Configuration problems that stopped the run before anything was measured. */
  configErrors: string[]
  /** Things worth knowing that did not decide anything (skipped comment, dry run, …). */
  notes: string[]
}
