// What the main step leaves for its post step (core.saveState): the rollout a run may have started,
// and how the run ended. Kept apart so the post step's bundle loads none of the main step's code.

/** Saved by the main step as it starts: the post step runs the same bundle and reads it to know its part. */
export const IS_POST_STATE = 'isPost'
/** Saved when `run` may have started (or begun driving) a canary: what the post step needs to abort it. */
export const STARTED_STATE = 'canary'
/** Saved when the main step published its result. */
export const FINISHED_STATE = 'finished'

export interface StartedState {
  /** The Rollout's name, or the Deployment's when `deployment` is set. */
  rollout: string
  namespace: string
  context?: string
  abortOnCancel: boolean
  /** A Deployment whose traffic the gate drives: the router to put back at weight 0. */
  deployment?: { router: 'nginx' | 'gateway-api'; ingress?: string; route?: string; service?: string }
  /** With the input targets: which target (region) this is. */
  target?: string
}

export interface FinishedState {
  outcome: 'promoted' | 'aborted' | 'paused' | 'none'
  /** Cancelled or crashed: the outcome may not be what the gate meant to leave. */
  interrupted: boolean
  /** With the input targets: each target's outcome, by name. */
  targets?: Record<string, FinishedState['outcome']>
}

/**
 * What STARTED_STATE holds: one entry per target this run started (a list, with the input targets),
 * or the single object a run without targets (and an older version) saves.
 */
export function startedStates(text: string): StartedState[] {
  const parsed = parseState<StartedState | StartedState[]>(text)
  if (!parsed || typeof parsed !== 'object') return []
  return Array.isArray(parsed) ? parsed : [parsed]
}

/** The finished state as one target sees it: its own outcome when the run had several. */
export function finishedFor(finished: FinishedState | undefined, started: StartedState): FinishedState | undefined {
  const own = started.target === undefined ? undefined : finished?.targets?.[started.target]
  return finished && own ? { ...finished, outcome: own } : finished
}

/** Whether the post step must act: a canary was started and the main step did not settle it. */
export function postAction(started: StartedState | undefined, finished: FinishedState | undefined): 'abort' | 'report-left' | 'nothing' {
  if (!started) return 'nothing'
  if (finished && (!finished.interrupted || finished.outcome === 'aborted' || finished.outcome === 'promoted')) return 'nothing'
  return started.abortOnCancel ? 'abort' : 'report-left'
}

export function parseState<T>(text: string): T | undefined {
  if (!text) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}
