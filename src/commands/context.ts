// What every command gets: the inputs, the clock, the log, the secrets, and a signal that aborts
// when the runner cancels the job.
import type { Clock } from '../clock.js'
import type { Inputs } from '../inputs.js'
import type { Logger } from '../log.js'
import type { GateResult } from '../report/model.js'
import type { Secrets } from '../secrets.js'

export interface CommandContext {
  inputs: Inputs
  clock: Clock
  log: Logger
  secrets: Secrets
  /** The workspace the plan paths are relative to. */
  cwd: string
  /** Aborts when the runner cancels the job (its first signal). */
  signal: AbortSignal
  /** Aborts when the runner signals a second time: a few seconds are left, report now. */
  hurry?: AbortSignal
  /** Told how the run stands as steps finish (the running check shows it). */
  progress?: (snapshot: GateResult) => void
  /** Keeps a value for the post step, which aborts a canary the main step could not (see post.ts). */
  saveState?: (name: string, value: string) => void
}
