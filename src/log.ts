// One logger for the whole action: the runner's log commands behind a small interface, so tests can
// capture what a user would read, and so every line passes through secret redaction and can never
// be read by the runner as a workflow command.
import { randomUUID } from 'node:crypto'
import type { Annotation, Runner } from './runner.js'
import type { Secrets } from './secrets.js'

export type { Annotation } from './runner.js'

export interface Logger {
  info(message: string): void
  /** Annotations may point at a plan file and line: they show on the pull request's Files view. */
  notice(message: string, annotation?: Annotation): void
  warning(message: string, annotation?: Annotation): void
  error(message: string, annotation?: Annotation): void
  debug(message: string): void
  /** Folds what `body` logs under a heading (loading the plan, a step's analysis, the abort). */
  group<T>(name: string, body: () => Promise<T>): Promise<T>
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
  // Groups do not nest in the runner's log: one open at a time, the rest run unfolded.
  let open = false
  return {
    info: (message) => writePlain(secrets.redact(message), (text) => runner.info(text)),
    // Annotations escape newlines (%0A), so their message can never start a line of its own.
    notice: (message, annotation) => runner.notice(secrets.redact(message), annotation),
    warning: (message, annotation) => runner.warning(secrets.redact(message), annotation),
    error: (message, annotation) => runner.error(secrets.redact(message), annotation),
    debug: (message) => runner.debug(secrets.redact(message)),
    group: async (name, body) => {
      if (open) return body()
      open = true
      try {
        return await runner.group(secrets.redact(name).replace(/[\r\n]+/g, ' '), body)
      } finally {
        open = false
      }
    }
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
    debug: push('debug'),
    group: async (name, body) => {
      lines.push(`group: ${name}`)
      return body()
    }
  }
}

/**
 * One target's lines among several running at once (`[eu-west] …`). Its groups become headings:
 * the runner's groups do not nest, and a sibling's lines would land inside them.
 */
export function prefixedLogger(log: Logger, prefix: string): Logger {
  const tag = (message: string): string => `[${prefix}] ${message}`
  return {
    // Every line of a multi-line text (a diff of steps): siblings' lines may come between them.
    info: (message) => log.info(message.split('\n').map(tag).join('\n')),
    notice: (message, annotation) => log.notice(tag(message), annotation),
    warning: (message, annotation) => log.warning(tag(message), annotation),
    error: (message, annotation) => log.error(tag(message), annotation),
    debug: (message) => log.debug(tag(message)),
    group: async (name, body) => {
      log.info(tag(`▸ ${name}`))
      return body()
    }
  }
}
