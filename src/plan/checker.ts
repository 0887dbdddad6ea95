// Checks of one metric's values once its args are substituted, each problem reported at the line of
// the field it is about.
import type { IssueList } from '../config-error.js'
import { parseExpression, ExprSyntaxError } from '../analysis/expr/index.js'
import type { Condition } from '../analysis/types.js'
import { parseDuration } from './duration.js'
import type { YamlPath } from './load.js'
import { fieldPath, type TemplateMetric } from './templates.js'

export class MetricChecker {
  /** Fields whose args could not be substituted: what is wrong with them then follows from that, and is not reported again. */
  private readonly unresolved: YamlPath[] = []

  constructor(
    private readonly metric: TemplateMetric,
    readonly issues: IssueList
  ) {}

  /** Marks a field whose placeholders stay unsubstituted. */
  unresolvedAt(field: YamlPath): void {
    this.unresolved.push(field)
  }

  private followsFromUnresolved(field: YamlPath): boolean {
    const startsWith = (path: YamlPath, prefix: YamlPath): boolean => prefix.every((key, i) => path[i] === key)
    return this.unresolved.some((u) => startsWith(field, u) || (field.length > 0 && startsWith(u, field)))
  }

  report(field: YamlPath, message: string): void {
    if (this.followsFromUnresolved(field)) return
    this.issues.add({
      where: this.metric.doc.at([...this.metric.path, ...field]),
      subject: `metric "${this.metric.raw.name}"`,
      field: fieldPath(field) || undefined,
      message
    })
  }

  duration(field: string, value: unknown, allowZero: boolean): number | undefined {
    if (value === undefined) return undefined
    const ms = typeof value === 'string' ? parseDuration(value) : undefined
    if (ms === undefined || ms < 0 || (!allowZero && ms === 0)) {
      this.report([field], `"${String(value)}" is not a ${allowZero ? '' : 'positive '}duration (use Go durations such as 30s, 1m, 1h30m)`)
      return undefined
    }
    return ms
  }

  whole(field: YamlPath, value: unknown, min: number, fallback: number): number {
    if (value === undefined) return fallback
    const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN
    if (!Number.isInteger(number) || number < min) {
      this.report(field, `"${String(value)}" must be a whole number ≥ ${min}`)
      return fallback
    }
    return number
  }

  /** A condition or another expression of the condition language; `field` a name or a path. */
  condition(field: string | YamlPath, source: unknown): Condition | undefined {
    if (source === undefined) return undefined
    const path = typeof field === 'string' ? [field] : field
    const text = String(source).trim()
    if (text === '') {
      this.report(path, 'is empty')
      return undefined
    }
    try {
      return { source: text, expr: parseExpression(text) }
    } catch (error) {
      if (error instanceof ExprSyntaxError) {
        this.report(path, `${error.message} — in: ${text}`)
        return undefined
      }
      throw error
    }
  }

  number(field: YamlPath, value: unknown): number | undefined {
    if (value === undefined) return undefined
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
    if (!Number.isFinite(number)) {
      this.report(field, `"${String(value)}" is not a number`)
      return undefined
    }
    return number
  }
}
