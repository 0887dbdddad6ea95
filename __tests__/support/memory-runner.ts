// A runner kept in memory, for running the action's commands in process: what it logged (with the
// annotations' file and line), its outputs, its job summary, its saved state and whether it failed.
import type { Annotation, Runner } from '../../src/runner.js'

export interface MemoryRunner extends Runner {
  inputs: Record<string, string>
  /** Every line as a person would read it: `info` plain, others prefixed with their level. */
  lines: string[]
  annotations: Array<{ level: 'notice' | 'warning' | 'error'; message: string } & Annotation>
  outputs: Record<string, string>
  summary: string
  state: Record<string, string>
  failed?: string
}

export function memoryRunner(inputs: Record<string, string> = {}): MemoryRunner {
  const annotate = (level: 'notice' | 'warning' | 'error') => (message: string, annotation?: Annotation) => {
    runner.lines.push(`${level}: ${message}`)
    runner.annotations.push({ level, message, ...annotation })
  }
  const runner: MemoryRunner = {
    inputs,
    lines: [],
    annotations: [],
    outputs: {},
    summary: '',
    state: {},
    getInput: (name) => (inputs[name] ?? '').trim(),
    setOutput: (name, value) => void (runner.outputs[name] = value),
    setSecret: () => {},
    info: (message) => void runner.lines.push(message),
    debug: (message) => void runner.lines.push(`debug: ${message}`),
    notice: annotate('notice'),
    warning: annotate('warning'),
    error: annotate('error'),
    appendSummary: async (markdown) => {
      runner.summary += markdown.endsWith('\n') ? markdown : `${markdown}\n`
      return true
    },
    setFailed: (message) => {
      runner.failed = message
      runner.lines.push(`error: ${message}`)
    },
    group: async (name, body) => {
      runner.lines.push(`group: ${name}`)
      try {
        return await body()
      } finally {
        runner.lines.push('endgroup')
      }
    },
    saveState: (name, value) => void (runner.state[name] = value),
    getState: (name) => runner.state[name] ?? ''
  }
  return runner
}
