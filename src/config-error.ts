// Configuration problems are collected, not thrown one at a time: a user fixing a plan wants every
// problem in one run, each as `file:line: metric "x": field: what is wrong`.

export interface ConfigIssue {
  /** Where: a file (with line) or an input name such as `input "timeout"`. */
  where: string
  /** Whose: `template "x"`, `metric "y"`, `rollout "z"`; empty when the whole file or input is meant. */
  subject?: string
  /** Which field, as a dotted path (`provider.prometheus.query`); empty for the subject itself. */
  field?: string
  message: string
}

export function formatIssue(issue: ConfigIssue): string {
  return [issue.where, issue.subject, issue.field, issue.message].filter((part) => part).join(': ')
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[]
  constructor(issues: ConfigIssue[]) {
    const lines = issues.map(formatIssue)
    super(
      issues.length === 1
        ? `configuration error: ${lines[0]}`
        : `${issues.length} configuration errors:\n${lines.map((line) => `  ${line}`).join('\n')}`
    )
    this.name = 'ConfigError'
    this.issues = issues
  }
}

/** Collects issues and throws them together, each once. */
export class IssueList {
  readonly issues: ConfigIssue[] = []
  private readonly seen = new Set<string>()
  add(issue: ConfigIssue): void {
    // The same template checked for two analysis steps has the same mistakes: say each once.
    const line = formatIssue(issue)
    if (this.seen.has(line)) return
    this.seen.add(line)
    this.issues.push(issue)
  }
  get empty(): boolean {
    return this.issues.length === 0
  }
  throwIfAny(): void {
    if (!this.empty) throw new ConfigError(this.issues)
  }
}
