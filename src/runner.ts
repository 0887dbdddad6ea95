// The GitHub runner's protocol, the part canary-gate speaks: inputs from INPUT_* variables, outputs
// and the job summary through the files the runner names, and workflow commands (::add-mask::,
// ::error:: …) on stdout. Written here rather than taken from @actions/core because that package
// loads an HTTP stack (undici) at start-up, which more than doubles the time to the first
// measurement; the protocol itself is small and stable.
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { EOL } from 'node:os'

/** Escaping of a command's message, as the runner unescapes it. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Escaping of a command's property values. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

export function command(name: string, message: string, properties: Record<string, string> = {}): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',')
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`
}

export interface Runner {
  /** The input as the runner passes it (INPUT_<NAME>, spaces as _), trimmed; '' when unset. */
  getInput(name: string): string
  setOutput(name: string, value: string): void
  /** Asks the runner to mask a value in the log from now on. */
  setSecret(value: string): void
  info(message: string): void
  debug(message: string): void
  notice(message: string): void
  warning(message: string): void
  error(message: string): void
  /** Appends Markdown to the job summary; false when the runner gave no summary file. */
  appendSummary(markdown: string): boolean
  /** Marks the step failed: an error annotation and exit code 1. */
  setFailed(message: string): void
}

export function githubRunner(env: NodeJS.ProcessEnv = process.env, write: (line: string) => void = (line) => process.stdout.write(line + EOL)): Runner {
  /** Appends `name<<DELIMITER` … `DELIMITER` to a runner file, with a delimiter the value cannot hold. */
  const appendKeyValue = (file: string, name: string, value: string): void => {
    const delimiter = `ghadelimiter_${randomUUID()}`
    if (name.includes(delimiter) || value.includes(delimiter)) throw new Error('unexpected delimiter in an output')
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8')
  }
  return {
    getInput: (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
    setOutput: (name, value) => {
      const file = env.GITHUB_OUTPUT
      if (file) appendKeyValue(file, name, value)
      else write(command('set-output', value, { name }))
    },
    setSecret: (value) => {
      // The runner masks line by line: a multi-line secret is masked whole and in its lines.
      for (const part of new Set([value, ...value.split(/\r?\n/)])) if (part.trim() !== '') write(command('add-mask', part))
    },
    info: (message) => write(message),
    debug: (message) => write(command('debug', message)),
    notice: (message) => write(command('notice', message)),
    warning: (message) => write(command('warning', message)),
    error: (message) => write(command('error', message)),
    appendSummary: (markdown) => {
      const file = env.GITHUB_STEP_SUMMARY
      if (!file) return false
      appendFileSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`, 'utf8')
      return true
    },
    setFailed: (message) => {
      process.exitCode = 1
      write(command('error', message))
    }
  }
}
