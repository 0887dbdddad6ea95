// `matches` and dryRun metricName patterns use Go's RE2, as Argo does: linear time (no ReDoS), and
// Go's syntax, so a pattern Argo would refuse is refused here too.
import { describe, expect, it } from '@jest/globals'
import { evaluate, ExprEvalError, ExprSyntaxError, parseExpression } from '../../src/analysis/expr/index.js'
import { judgeMeasurement } from '../../src/analysis/judge.js'
import { metric } from '../support/metrics.js'
import { instantiateFile, templateText } from './template-file.js'
import { cpuTime } from './timing.js'

const run = (source: string, result: unknown) => evaluate(parseExpression(source), { result })

function syntaxError(source: string): ExprSyntaxError {
  try {
    parseExpression(source)
  } catch (error) {
    if (error instanceof ExprSyntaxError) return error
    throw error
  }
  throw new Error(`expected a syntax error for ${source}`)
}

describe('matches runs in linear time', () => {
  it('answers ^(a+)+$ against 35 a’s and a b in milliseconds (a backtracking engine takes minutes)', () => {
    const { value, ms } = cpuTime(() => run('result matches "^(a+)+$"', `${'a'.repeat(35)}b`))
    expect(value).toBe(false)
    expect(ms).toBeLessThan(250)
  })

  it('answers nested repetitions over a long text quickly, and a pattern from the result too', () => {
    const text = `${'x'.repeat(20_000)}!`
    const { ms } = cpuTime(() => {
      expect(run('result.text matches result.pattern', { text, pattern: '^(x+x+)+y$' })).toBe(false)
      expect(run('result matches "(.*a){12}"', text)).toBe(false)
    })
    expect(ms).toBeLessThan(500)
  })

  it('lets a measurement over a hostile pattern end in a phase, in time', () => {
    const { value: judged, ms } = cpuTime(() => judgeMeasurement(metric({ success: 'result.v matches "^(\\\\w+\\\\s?)*$"' }), { v: `${'word '.repeat(40)}!` }))
    expect(judged.phase).toBe('Failed')
    expect(ms).toBeLessThan(250)
  })
})

describe("matches speaks Go's RE2 syntax", () => {
  it('matches anywhere in the text, with inline flags, classes and named groups as in Go', () => {
    expect(run('result matches "b"', 'abc')).toBe(true)
    expect(run('result matches "(?i)^ABC$"', 'abc')).toBe(true)
    expect(run('result matches "^[[:alpha:]]+$"', 'abc')).toBe(true)
    expect(run('result matches "^(?P<major>\\\\d+)\\\\."', '1.2')).toBe(true)
    expect(run('result matches "^\\\\p{Greek}+$"', 'αβγ')).toBe(true)
    expect(run('result not matches "^x"', 'abc')).toBe(true)
  })

  it('refuses a literal pattern RE2 rejects when the condition is parsed, naming its column', () => {
    const backreference = syntaxError('result matches "(a)\\\\1"')
    expect(backreference.column).toBe(16)
    expect(backreference.message).toBe(
      'invalid regular expression "(a)\\\\1": error parsing regexp: invalid escape sequence: `\\1` at column 16; ' +
        "patterns use Go's RE2 syntax, as in Argo: no backreferences (\\1) or lookarounds ((?=…), (?!…))"
    )
    const lookahead = syntaxError('result.v != "" && result.v matches "^(?=a)"')
    expect(lookahead.column).toBe(36)
    expect(lookahead.message).toContain('invalid or unsupported Perl syntax: `(?=`')
    expect(syntaxError('result not matches `a**`').message).toContain('invalid nested repetition operator')
    expect(syntaxError('result matches "a{1001}"').message).toContain('invalid repeat count')
  })

  it('makes a computed pattern RE2 rejects an Error measurement', () => {
    expect(() => run('result.v matches result.p', { v: 'ab', p: '^(?=a)' })).toThrow(ExprEvalError)
    const judged = judgeMeasurement(metric({ success: 'result.v matches result.p' }), { v: 'aa', p: '(a)\\1' })
    expect(judged.phase).toBe('Error')
    expect(judged.message).toContain('invalid regular expression "(a)\\\\1"')
    expect(judged.message).toContain('invalid escape sequence')
  })
})

describe("Argo's dryRun metricName patterns", () => {
  const metrics = ['error-rate', 'latency-p99', 'saturation']
    .map((name) => `    - name: ${name}\n      successCondition: result[0] < 1\n      provider:\n        prometheus: { query: up }`)
    .join('\n')
  const dryRunOf = async (patterns: string[], step?: string[]) => {
    const spec = patterns.length ? `  dryRun:\n${patterns.map((p) => `    - metricName: ${JSON.stringify(p)}`).join('\n')}\n` : ''
    const { problems, metrics: specs } = await instantiateFile(templateText(metrics, spec), step)
    return { problems, dryRun: specs.filter((m) => m.dryRun).map((m) => m.name) }
  }

  it('match whole metric names with RE2, and * matches every metric', async () => {
    expect(await dryRunOf(['latency-.*'])).toEqual({ problems: [], dryRun: ['latency-p99'] })
    expect(await dryRunOf(['error-rate|saturation'])).toEqual({ problems: [], dryRun: ['error-rate', 'saturation'] })
    expect(await dryRunOf(['*'])).toEqual({ problems: [], dryRun: metrics.match(/name: \S+/g)!.map((n) => n.slice(6)) })
    // A part of a name does not take the metric out of the decision.
    expect(await dryRunOf(['error'])).toEqual({ problems: [], dryRun: [] })
    expect(await dryRunOf([], ['sat.*'])).toEqual({ problems: [], dryRun: ['saturation'] })
  })

  it('refuse a pattern RE2 rejects at its file and line, instead of silently matching nothing', async () => {
    expect((await dryRunOf(['latency', '(a)\\1'])).problems).toEqual([
      't.yaml:8: template "t": spec.dryRun[1].metricName: "(a)\\\\1" is not a valid regular expression: error parsing regexp: invalid escape sequence: `\\1`; ' +
        "patterns use Go's RE2 syntax, as in Argo: no backreferences (\\1) or lookarounds ((?=…), (?!…))"
    ])
    expect((await dryRunOf([], ['(?=x)'])).problems).toEqual([expect.stringMatching(/^the analysis step: dryRun\[0\]\.metricName: "\(\?=x\)" is not a valid regular expression/)])
  })

  it('answer a hostile pattern over a long metric name in linear time', async () => {
    const name = `${'a'.repeat(35)}b`
    const text = templateText(`    - name: ${name}\n      successCondition: result[0] < 1\n      provider:\n        prometheus: { query: up }`, '  dryRun:\n    - metricName: "(a+)+"\n')
    const before = process.cpuUsage()
    const { problems, metrics: specs } = await instantiateFile(text)
    const used = process.cpuUsage(before)
    expect(problems).toEqual([])
    expect(specs.map((m) => [m.name, m.dryRun])).toEqual([[name, false]])
    expect((used.user + used.system) / 1000).toBeLessThan(2000)
  })
})
