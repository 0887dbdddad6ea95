// One logger for the whole action: the runner's log commands behind a small interface, so tests can
// capture what a user would read, and so every line passes through secret redaction.
import type { Runner } from './runner.js'
import type { Secrets } from './secrets.js'

export interface Logger {
  info(message: string): void
  notice(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
}

export function runnerLogger(runner: Runner, secrets: Secrets): Logger {
  return {
    info: (message) => runner.info(secrets.redact(message)),
    notice: (message) => runner.notice(secrets.redact(message)),
    warning: (message) => runner.warning(secrets.redact(message)),
    error: (message) => runner.error(secrets.redact(message)),
    debug: (message) => runner.debug(secrets.redact(message))
  }
}

/** A logger that keeps lines in memory (tests, and the report's log excerpt). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const push = (level: string) => (message: string) => {
    lines.push(level === 'info' ? message : `${level}: ${message}`)
  }
  return {
    lines,
    info: push('info'),
    notice: push('notice'),
    warning: push('warning'),
    error: push('error'),
    debug: push('debug')
  }
}
