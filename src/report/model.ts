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

export type StepResult = 'done' | 'passed' | 'failed' | 'error' | 'inconclusive' | 'paused' | 'running' | 'aborted' | 'skipped' | 'not reached' | 'would run'

/** One step of the rollout as it went. */
export interface StepRecord {
  index: number
  kind: 'setWeight' | 'pause' | 'analysis' | 'other'
  description: string
  /** Canary weight while the step ran. */
  weight?: number
  startedAt?: number
  finishedAt?: number
  result: StepResult
  note?: string
}

export interface RolloutRecord {
  name: string
  namespace: string
  /** The image this run set, if it set one. */
  image?: string
  stableRevision?: string
  canaryRevision?: string
  /** describeState() before the run touched it and at the end. */
  before?: string
  after?: string
  /** How changes were made: the kubectl argo rollouts plugin, the plugin's patches, or kubectl on a Deployment and its router. */
  path: 'plugin' | 'patches' | 'kubectl'
  /** What the target is: an Argo Rollout (absent in older reports) or a Deployment the gate drives. */
  kind?: 'rollout' | 'deployment'
  /** The router a gate-driven target moves the traffic with, and the object it writes. */
  router?: { kind: 'nginx' | 'gateway-api'; object: string }
}

/** The abort, timed: the measurement that decided it, the call, and the rollout reporting it. */
export interface AbortRecord {
  reason: string
  failingMeasurementAt?: number
  requestedAt: number
  confirmedAt?: number
  weightBefore: number
  weightAfter?: number
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
  steps?: StepRecord[]
  rollout?: RolloutRecord
  abort?: AbortRecord
  /** Live steps against the plan's (`- live`, `+ wanted`), when they differ and were not changed. */
  stepsDiff?: string[]
  /** Commands a person can run next (promote, abort, retry), as text. */
  nextSteps?: string[]
  /** kubectl processes started while the rollout was watched, and for how long it was watched. */
  kubectl?: { calls: number; watchedMs: number }
  /** Several regions or clusters in one gate (input targets): each one's own result; this one is their worst. */
  targets?: TargetRecord[]
}

/** One region or cluster of a gate with targets. */
export interface TargetRecord {
  name: string
  /** The kubeconfig context and namespace it ran in. */
  context?: string
  namespace: string
  /** False for a target of a later wave that never started. */
  started: boolean
  result: GateResult
}
