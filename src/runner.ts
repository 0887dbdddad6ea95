// The runner, as the rest of the action sees it: @actions/core behind the few calls canary-gate makes,
// so the commands can be run in process by tests with a runner of their own.
import * as core from '@actions/core'

/** Where an annotation points: the plan file and line a configuration error is about. */
export interface Annotation {
  file?: string
  startLine?: number
  title?: string
}

export interface Runner {
  /** The input as the runner passes it (INPUT_<NAME>), trimmed; '' when unset. */
  getInput(name: string): string
  setOutput(name: string, value: string): void
  /** Asks the runner to mask a value in the log from now on. */
  setSecret(value: string): void
  info(message: string): void
  debug(message: string): void
  notice(message: string, annotation?: Annotation): void
  warning(message: string, annotation?: Annotation): void
  error(message: string, annotation?: Annotation): void
  /** Appends Markdown to the job summary; false when the runner gave no summary file. */
  appendSummary(markdown: string): Promise<boolean>
  /** Marks the step failed: an error annotation and exit code 1. */
  setFailed(message: string): void
  /** Folds what `body` logs under a heading, as the runner shows a group. */
  group<T>(name: string, body: () => Promise<T>): Promise<T>
  /** Keeps a value for this action's post step (`STATE_<name>` there). */
  saveState(name: string, value: string): void
  getState(name: string): string
}

export function coreRunner(): Runner {
  return {
    getInput: (name) => core.getInput(name),
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => {
      // The runner masks line by line: a multi-line secret is masked whole and in its lines.
      for (const part of new Set([value, ...value.split(/\r?\n/)])) if (part.trim() !== '') core.setSecret(part)
    },
    info: (message) => core.info(message),
    debug: (message) => core.debug(message),
    notice: (message, annotation) => core.notice(message, annotation ?? {}),
    warning: (message, annotation) => core.warning(message, annotation ?? {}),
    error: (message, annotation) => core.error(message, annotation ?? {}),
    appendSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return false
      await core.summary.addRaw(markdown, true).write()
      core.summary.emptyBuffer()
      return true
    },
    setFailed: (message) => core.setFailed(message),
    group: (name, body) => core.group(name, body),
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name)
  }
}
