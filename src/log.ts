// One logger for the whole action: the runner's log commands behind a small interface, so tests can
// capture what a user would read, and so every line passes through secret redaction and can never
// be read by the runner as a workflow command.
import { randomUUID } from 'node:crypto'
import type { Runner } from './runner.js'
import type { Secrets } from './secrets.js'

export interface Logger {
  info(message: string): void
  notice(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
}

/**
 * A log line the runner would execute: `::name …` after leading blanks (its v2 commands) or `##[`
 * anywhere in a line (its legacy form). Log text often quotes a backend (Prometheus warnings, a
 * NerdGraph error, a web body), and a backend must never be able to set an output or a mask.
 */
const COMMAND_LIKE = /^[ \t]*::|##\[/m

/**
 * Writes text that may come from outside as plain log text: when any of its lines looks like a
 * workflow command, the whole text goes between `::stop-commands::TOKEN` and `::TOKEN::`, which the
 * runner documents for exactly this; the token is random, so the text cannot end the block itself.
 */
export function writePlain(text: string, write: (text: string) => void): void {
  if (!COMMAND_LIKE.test(text)) {
    write(text)
    return
  }
  const token = `canary-gate-${randomUUID()}`
  write(`::stop-commands::${token}`)
  write(text)
  write(`::${token}::`)
}

export function runnerLogger(runner: Runner, secrets: Secrets): Logger {
  return {
    info: (message) => writePlain(secrets.redact(message), (text) => runner.info(text)),
    // Annotations escape newlines (%0A), so their message can never start a line of its own.
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
