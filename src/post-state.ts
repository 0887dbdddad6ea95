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
}

export interface FinishedState {
  outcome: 'promoted' | 'aborted' | 'paused' | 'none'
  /** Cancelled or crashed: the outcome may not be what the gate meant to leave. */
  interrupted: boolean
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
