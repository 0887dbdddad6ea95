// The condition language against expr itself: every line of the conformance corpus
// (shared/reference/expr-conformance.jsonl: 165 success conditions with the answers of the real expr
// library under Argo Rollouts' environment) goes through canary-gate's own path, a template's
// successCondition loaded from YAML and a measurement judged, and must get expr's answer, or be one
// of the deliberate differences listed below, each of them stricter than Argo.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { IssueList, formatIssue } from '../../src/config-error.js'
import { judgeMeasurement } from '../../src/analysis/judge.js'
import { instantiateMetrics } from '../../src/plan/instantiate.js'
import { parseDocuments } from '../../src/plan/load.js'
import { readTemplates } from '../../src/plan/templates.js'
import { resultFromData } from '../../src/providers/prometheus.js'
import { resultFromBody } from '../../src/providers/web.js'
import { Secrets } from '../../src/secrets.js'

// A copy of the reference corpus, so the test runs where shared/ is not checked out (CI); when the
// reference is there, the copy must equal it.
const CORPUS = String.raw`
{"expr": "result[0] < 0.01", "result": [0.02], "expr_says": false}
{"expr": "result[0] >= 0.95", "result": [0.95], "expr_says": true}
{"expr": "result[0] <= 1", "result": [1], "expr_says": true}
{"expr": "result[0] == 1", "result": [1], "expr_says": true}
{"expr": "result[0] != 0", "result": [0], "expr_says": false}
{"expr": "result[1] < 1", "result": [0.5, 2], "expr_says": false}
{"expr": "result[0] + result[1] > 2", "result": [1, 1.5], "expr_says": true}
{"expr": "result[0] < 2", "result": [], "expr_says": "error", "reads_no_data": true}
{"expr": "result[0] == nil", "result": [null], "expr_says": true, "reads_no_data": true}
{"expr": "result[0] < 5", "result": ["3"], "expr_says": "error"}
{"expr": "result[0] == \"3\"", "result": ["3"], "expr_says": true}
{"expr": "result[0] == 3", "result": ["3"], "expr_says": false}
{"expr": "result[\"0\"] == 7", "result": [7], "expr_says": "error"}
{"expr": "result[0]<1", "result": [0.5], "expr_says": true}
{"expr": "result[0] <\n  1", "result": [0.5], "expr_says": true}
{"expr": "(result[0] < 1)", "result": [0.5], "expr_says": true}
{"expr": "result[0] < 0", "result": [-0.0], "expr_says": false}
{"expr": "result[0] == 1e-9", "result": [1e-09], "expr_says": true}
{"expr": "result[0] < 1 && result[1] == \"ok\"", "result": [0.5, "ok"], "expr_says": true}
{"expr": "result[0] < 0.05", "vector": ["NaN"], "expr_says": false, "reads_no_data": true}
{"expr": "!isNaN(result[0]) && result[0] < 0.05", "vector": ["NaN"], "expr_says": false, "reads_no_data": true}
{"expr": "isNaN(result[0])", "vector": ["1"], "expr_says": false}
{"expr": "result[0] == result[0]", "vector": ["NaN"], "expr_says": false, "reads_no_data": true}
{"expr": "result[0] > 100", "vector": ["+Inf"], "expr_says": true}
{"expr": "isInf(result[0])", "vector": ["+Inf"], "expr_says": true}
{"expr": "isInf(result[0])", "vector": ["-Inf"], "expr_says": true}
{"expr": "result[0] < 1", "vector": [], "expr_says": "error", "reads_no_data": true}
{"expr": "len(result) > 0 && result[0] < 1", "vector": [], "expr_says": false, "reads_no_data": true}
{"expr": "all(result, {# < 5})", "vector": ["1", "NaN"], "expr_says": false, "reads_no_data": true}
{"expr": "isNaN(result)", "vector": ["0.5"], "expr_says": "error"}
{"expr": "result[0] % 2 == 1", "vector": ["7"], "expr_says": "error"}
{"expr": "asInt(result[0]) % 2 == 1", "vector": ["7"], "expr_says": true}
{"expr": "asInt(result[0]) == 3", "vector": ["3.9"], "expr_says": true}
{"expr": "result[0] == \"1\"", "vector": ["1"], "expr_says": "error"}
{"expr": "result == nil", "vector": [], "expr_says": false, "reads_no_data": true}
{"expr": "len(result) > 0 && all(result, {# < 1})", "vector": ["0.5", "0.7"], "expr_says": true}
{"expr": "result[0] < result[1]", "vector": ["1", "2"], "expr_says": true}
{"expr": "result[0] / result[1] > 0", "vector": ["0", "0"], "expr_says": false}
{"expr": "result < 1", "scalar": "0.5", "expr_says": true}
{"expr": "result > 0", "scalar": "NaN", "expr_says": false, "reads_no_data": true}
{"expr": "isNaN(result)", "scalar": "NaN", "expr_says": true, "reads_no_data": true}
{"expr": "isInf(result)", "scalar": "+Inf", "expr_says": true}
{"expr": "result[0] < 1", "scalar": "0.5", "expr_says": "error"}
{"expr": "asFloat(result) > 0", "scalar": "NaN", "expr_says": false, "reads_no_data": true}
{"expr": "result.errorRate < 2", "result": {"errorRate": 1.5}, "expr_says": true}
{"expr": "result.errorRate < 2", "result": {"errorRate": 2.68}, "expr_says": false}
{"expr": "result.errorRate < 2", "result": {"errorRat": 1}, "expr_says": "error", "reads_no_data": true}
{"expr": "result.a != nil", "result": {"a": 0}, "expr_says": true}
{"expr": "result.data.ok == true", "result": {"data": {"ok": true}}, "expr_says": true}
{"expr": "result[\"a.b\"] < 1", "result": {"a.b": 0.4}, "expr_says": true}
{"expr": "result['average.duration'] < 1", "result": {"average.duration": 0.4}, "expr_says": true}
{"expr": "result.ok && result.successPercent >= 0.90", "result": {"ok": true, "successPercent": 0.93}, "expr_says": true}
{"expr": "result.status == \"healthy\"", "result": {"status": "Healthy"}, "expr_says": false}
{"expr": "result.status in [\"healthy\", \"ok\"]", "result": {"status": "ok"}, "expr_says": true}
{"expr": "result.status not in [\"healthy\", \"ok\"]", "result": {"status": "down"}, "expr_says": true}
{"expr": "\"key\" in result", "result": {"key": null}, "expr_says": true}
{"expr": "len(result) == 0", "result": {}, "expr_says": true, "reads_no_data": true}
{"expr": "len(result.items) == 0", "result": {"items": null}, "expr_says": "error", "reads_no_data": true}
{"expr": "result[0].a.b.c == 1", "result": [{"a": {"b": {"c": 1}}}], "expr_says": true}
{"expr": "result.a[1] == 2", "result": {"a": [1, 2]}, "expr_says": true}
{"expr": "result.a-b > 0", "result": {"a-b": 1}, "expr_says": "error"}
{"expr": "result.ok", "result": {}, "expr_says": "error", "reads_no_data": true}
{"expr": "result.ok != true", "result": {}, "expr_says": true, "reads_no_data": true}
{"expr": "result.ok", "result": {"ok": "true"}, "expr_says": "error"}
{"expr": "result.msg contains \"ok\"", "result": {"msg": "all ok"}, "expr_says": true}
{"expr": "result.msg endsWith \"done\"", "result": {"msg": "all done"}, "expr_says": true}
{"expr": "result.v matches \"ok\"", "result": {"v": "is ok now"}, "expr_says": true}
{"expr": "result.v matches \"^\\\\d+$\"", "result": {"v": "123"}, "expr_says": true}
{"expr": "result.v matches \"(\"", "result": {"v": "x"}, "expr_says": "error"}
{"expr": "result.v matches \"^(?=a)\"", "result": {"v": "ab"}, "expr_says": "error"}
{"expr": "\"c\" not in result.tags", "result": {"tags": ["a", "b"]}, "expr_says": true}
{"expr": "\"x\" in result", "result": "xyz", "expr_says": "error"}
{"expr": "result contains \"\"", "result": "abc", "expr_says": true}
{"expr": "result.a + result.b == \"foobar\"", "result": {"a": "foo", "b": "bar"}, "expr_says": true}
{"expr": "result.a + 1 == \"x1\"", "result": {"a": "x"}, "expr_says": "error"}
{"expr": "\"v\" + result.n == \"v1\"", "result": {"n": 1}, "expr_says": "error"}
{"expr": "\"a\" < \"b\"", "result": 1, "expr_says": true}
{"expr": "result.v < \"b\"", "result": {"v": "a"}, "expr_says": true}
{"expr": "\"10\" < \"9\"", "result": 1, "expr_says": true}
{"expr": "result.v > 1", "result": {"v": "2"}, "expr_says": "error"}
{"expr": "result.s == \"a\\\"b\"", "result": {"s": "a\"b"}, "expr_says": true}
{"expr": "result.s == 'it\\'s'", "result": {"s": "it's"}, "expr_says": true}
{"expr": "result.s == \"\u00e9\"", "result": {"s": "\u00e9"}, "expr_says": true}
{"expr": "result.s == \"\\u00e9\"", "result": {"s": "\u00e9"}, "expr_says": true}
{"expr": "result == \"I am OK\"", "body": "I am OK", "expr_says": true}
{"expr": "result == 3", "body": "  3  ", "expr_says": true}
{"expr": "result", "result": false, "expr_says": false}
{"expr": "result == \"true\"", "result": true, "expr_says": "error"}
{"expr": "result", "result": null, "expr_says": "error", "reads_no_data": true}
{"expr": "result > 0.5", "result": 0.7, "expr_says": true}
{"expr": "result > 0.5", "result": "0.7", "expr_says": "error"}
{"expr": "len(result) == 3", "result": "abc", "expr_says": true}
{"expr": "true", "result": 1, "expr_says": true}
{"expr": "nil", "result": 1, "expr_says": "error"}
{"expr": "nil == nil", "result": 1, "expr_says": true}
{"expr": "result.x == false", "result": {"x": null}, "expr_says": false, "reads_no_data": true}
{"expr": "result.x < 1", "result": {"x": null}, "expr_says": "error", "reads_no_data": true}
{"expr": "true == 1", "result": 1, "expr_says": "error"}
{"expr": "result.n == 1", "result": {"n": 1}, "expr_says": true}
{"expr": "result.s == 1", "result": {"s": "1"}, "expr_says": false}
{"expr": "all(result, {# < 5})", "result": [1, 2, 3], "expr_says": true}
{"expr": "all(result, {# < 5})", "result": [1, 7], "expr_says": false}
{"expr": "none(result, {# > 5})", "result": [1, 2], "expr_says": true}
{"expr": "one(result, {# > 5})", "result": [1, 7, 8], "expr_says": false}
{"expr": "one(result, {# > 5})", "result": [1, 7], "expr_says": true}
{"expr": "filter(result, {# > 1})[0] == 2", "result": [1, 2, 3], "expr_says": true}
{"expr": "all(result, {# < 5 && # > 0})", "result": [1, 2], "expr_says": true}
{"expr": "all(result, {#.v < 5})", "result": [{"v": 1}, {"v": 2}], "expr_says": true}
{"expr": "all(result.items, {# > 0})", "result": {"items": null}, "expr_says": "error", "reads_no_data": true}
{"expr": "all(result.items, {# > 0})", "result": {"items": [1, 2]}, "expr_says": true}
{"expr": "# > 1", "result": [1], "expr_says": "error"}
{"expr": "not result.ok", "result": {"ok": false}, "expr_says": true}
{"expr": "!result.x == 1", "result": {"x": 1}, "expr_says": "error"}
{"expr": "not result.a in [\"x\"]", "result": {"a": "x"}, "expr_says": "error"}
{"expr": "result[0] < 1 and not result[0] < 0", "result": [0.5], "expr_says": "error"}
{"expr": "!result[0] < 1", "result": [0.5], "expr_says": "error"}
{"expr": "not result.a == result.b", "result": {"a": true, "b": false}, "expr_says": true}
{"expr": "!(result[0] > 1)", "result": [0.5], "expr_says": true}
{"expr": "result.a == 1 == true", "result": {"a": 1}, "expr_says": true}
{"expr": "result[0] <> 1", "result": [1], "expr_says": "error"}
{"expr": "result[0] < 1 and", "result": [0.5], "expr_says": "error"}
{"expr": "result.a ? 1 : 2 == 1", "result": {"a": true}, "expr_says": "error"}
{"expr": "result.a / result.b > 0.5", "result": {"a": 1, "b": 2}, "expr_says": false}
{"expr": "result.a / result.b < 1", "result": {"a": 1, "b": 0}, "expr_says": false}
{"expr": "result.a / result.b > 0", "result": {"a": 0, "b": 0}, "expr_says": false}
{"expr": "7 % 2 == 1", "result": 1, "expr_says": true}
{"expr": "7 % -3 == 1", "result": 1, "expr_says": true}
{"expr": "7.5 % 2 == 1.5", "result": 1, "expr_says": "error"}
{"expr": "result.n % 2 == 1", "result": {"n": 7}, "expr_says": "error"}
{"expr": "2 ** -1 == 0.5", "result": 1, "expr_says": true}
{"expr": "2 ** 3 ** 2 == 512", "result": 1, "expr_says": true}
{"expr": "(1 + 2) * 3 == 9", "result": 1, "expr_says": true}
{"expr": "result[0] * 100 < 5", "result": [0.04], "expr_says": true}
{"expr": "-result[0] < 0", "result": [5], "expr_says": true}
{"expr": "+result[0] == 5", "result": [5], "expr_says": true}
{"expr": "result.a * result.b", "result": {"a": 2, "b": 3}, "expr_says": "error"}
{"expr": "9223372036854775807 + 1 < 0", "result": 1, "expr_says": true}
{"expr": "1e3 == 1000", "result": 1, "expr_says": true}
{"expr": "0x10 == 16", "result": 1, "expr_says": true}
{"expr": "result.errors / result.total < 0.01", "result": {"errors": 3, "total": 1000}, "expr_says": true}
{"expr": "result.s * 2 == 4", "result": {"s": "2"}, "expr_says": "error"}
{"expr": "isNil(result)", "result": null, "expr_says": true, "reads_no_data": true}
{"expr": "isNil(result)", "result": {"a": 1}, "expr_says": false}
{"expr": "!isNil(result) && result.a < 1", "result": {"a": 0.5}, "expr_says": true}
{"expr": "isNil(result)", "result": [], "expr_says": false, "reads_no_data": true}
{"expr": "isNil(result.a) || result.a < 1", "result": {"a": null}, "expr_says": "error", "reads_no_data": true}
{"expr": "default(result.v, 0) < 5", "result": {"v": 3}, "expr_says": "error"}
{"expr": "default(result, \"none\") == \"none\"", "result": null, "expr_says": true, "reads_no_data": true}
{"expr": "default(nil, 5) == 5", "result": 1, "expr_says": false}
{"expr": "isNaN(result)", "result": 1, "expr_says": false}
{"expr": "isNaN(result)", "result": "NaN", "expr_says": "error"}
{"expr": "isNaN(result.v)", "result": {"v": null}, "expr_says": "error", "reads_no_data": true}
{"expr": "isNaN(result[0])", "result": [null], "expr_says": "error", "reads_no_data": true}
{"expr": "isInf(result.v)", "result": {"v": "Inf"}, "expr_says": "error"}
{"expr": "isInf(asFloat(\"-Inf\"))", "result": 1, "expr_says": true}
{"expr": "isNaN()", "result": 1, "expr_says": "error"}
{"expr": "asFloat(result.value) > 0.9", "result": {"value": 0.95}, "expr_says": true}
{"expr": "asFloat(result.v) > 0", "result": {"v": "inf"}, "expr_says": true}
{"expr": "asFloat(result.v) == 0", "result": {"v": ""}, "expr_says": "error"}
{"expr": "asFloat(result.v) > 1000", "result": {"v": "1_000.5"}, "expr_says": true}
{"expr": "asFloat(result.v) == 0.5", "result": {"v": ".5"}, "expr_says": true}
{"expr": "asInt(result.v) == 42", "result": {"v": "42"}, "expr_says": true}
{"expr": "asInt(result.v) == 0", "result": {"v": null}, "expr_says": "error", "reads_no_data": true}
{"expr": "asInt(result) == 3", "result": 3.0, "expr_says": true}
{"expr": "asInt(-2.5) == -2", "result": 1, "expr_says": true}
`.trim()

const REFERENCE = path.resolve('../shared/reference/expr-conformance.jsonl')

interface Case {
  expr: string
  result?: unknown
  body?: string
  vector?: string[]
  scalar?: string
  expr_says: boolean | 'error'
  reads_no_data?: boolean
}

type Outcome = 'Successful' | 'Failed' | 'Inconclusive' | 'Error' | 'configuration error'

const cases: Case[] = CORPUS.split('\n').map((line) => JSON.parse(line) as Case)

/** How the case names its data, as the table below does: `vector ["NaN"]`, `result {"v":3}`. */
function dataOf(c: Case): string {
  if (c.vector !== undefined) return `vector ${JSON.stringify(c.vector)}`
  if (c.scalar !== undefined) return `scalar ${JSON.stringify(c.scalar)}`
  if (c.body !== undefined) return `body ${JSON.stringify(c.body)}`
  return `result ${JSON.stringify(c.result)}`
}

/** The value the provider hands the conditions, made by the providers' own code. */
function resultOf(c: Case): unknown {
  if (c.vector !== undefined) return resultFromData({ resultType: 'vector', result: c.vector.map((value) => ({ metric: {}, value: [1700000000, value] })) })
  if (c.scalar !== undefined) return resultFromData({ resultType: 'scalar', result: [1700000000, c.scalar] })
  if (c.body !== undefined) return resultFromBody(c.body, undefined, [])
  // JSON numbers are floats, as web and newRelic hand them over.
  return c.result
}

interface Difference {
  /** The expression and the data, as dataOf() names them. */
  what: string
  canaryGate: Outcome
  /** What the measurement's message must say: the difference is for this reason and no other. */
  message: RegExp
  why: string
}

const NAN = 'NaN is no data: comparing it is an Error, not false'
const DIVISION = 'x / 0 is an Error (no requests is no data), not +Inf or NaN'
const KINDS = '== between a string and a number is an Error (it can never be true), not false'

/** Where canary-gate answers differently from expr on purpose: always stricter, never a pass expr refuses. */
const DELIBERATE: readonly Difference[] = [
  { what: 'result[0] == 3 on result ["3"]', canaryGate: 'Error', message: /cannot compare string "3" with number 3/, why: KINDS },
  { what: 'result.s == 1 on result {"s":"1"}', canaryGate: 'Error', message: /cannot compare string "1" with number 1/, why: KINDS },
  { what: 'result[0] < 0.05 on vector ["NaN"]', canaryGate: 'Error', message: /result\[0\] is NaN/, why: NAN },
  { what: 'result[0] == result[0] on vector ["NaN"]', canaryGate: 'Error', message: /result\[0\] is NaN/, why: NAN },
  { what: 'all(result, {# < 5}) on vector ["1","NaN"]', canaryGate: 'Error', message: /# is NaN/, why: NAN },
  { what: 'result > 0 on scalar "NaN"', canaryGate: 'Error', message: /result is NaN/, why: NAN },
  { what: 'asFloat(result) > 0 on scalar "NaN"', canaryGate: 'Error', message: /asFloat\(result\) is NaN/, why: NAN },
  { what: 'result[0] / result[1] > 0 on vector ["0","0"]', canaryGate: 'Error', message: /division by zero/, why: DIVISION },
  { what: 'result.a / result.b < 1 on result {"a":1,"b":0}', canaryGate: 'Error', message: /division by zero/, why: DIVISION },
  { what: 'result.a / result.b > 0 on result {"a":0,"b":0}', canaryGate: 'Error', message: /division by zero/, why: DIVISION },
  {
    what: 'result.ok != true on result {}',
    canaryGate: 'Error',
    message: /result has no key "ok" \(the map is empty\)/,
    why: 'a key the result lacks is an Error naming the keys it has (a misspelt key must not read as nil), except where the condition tests for nil'
  }
]

function expected(c: Case): Outcome {
  if (c.expr_says === 'error') return 'Error'
  if (c.expr_says === false) return 'Failed'
  return c.reads_no_data ? 'Inconclusive' : 'Successful'
}

function agrees(c: Case, outcome: Outcome): boolean {
  // A condition expr cannot compile is refused when the plan is read: earlier than an Error, never a pass.
  return outcome === expected(c) || (c.expr_says === 'error' && outcome === 'configuration error')
}

/** Every condition as a metric of one template, loaded and instantiated as a plan is. */
function judgeAll(): Array<{ outcome: Outcome; message: string }> {
  const metrics = cases
    .map((c, index) => `  - name: c${index}\n    provider: { web: { url: "http://metrics.test/" } }\n    successCondition: ${JSON.stringify(c.expr)}`)
    .join('\n')
  const text = `apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: conformance\nspec:\n  metrics:\n${metrics}\n`
  const issues = new IssueList()
  const templates = readTemplates(parseDocuments(text, 'conformance.yaml', issues), issues)
  const specs = instantiateMetrics(templates, { mode: 'analyze', secrets: new Secrets(), input: new Map() }, issues)
  return cases.map((c, index) => {
    const problem = issues.issues.find((issue) => issue.subject === `metric "c${index}"`)
    if (problem) return { outcome: 'configuration error', message: formatIssue(problem) }
    const spec = specs.find((s) => s.name === `c${index}`)
    if (!spec) throw new Error(`metric c${index} was neither instantiated nor refused`)
    const judged = judgeMeasurement(spec, resultOf(c))
    return { outcome: judged.phase, message: judged.message }
  })
}

const judged = judgeAll()
const deliberate = new Map(DELIBERATE.map((entry) => [entry.what, entry]))
const rows = cases.map((c, index) => {
  const what = `${c.expr} on ${dataOf(c)}`
  const { outcome, message } = judged[index]
  const difference = deliberate.get(what)
  return { c, what, outcome, message, agrees: agrees(c, outcome), difference }
})
const agreeing = rows.filter((row) => row.agrees).length
const differing = rows.filter((row) => !row.agrees && row.difference?.canaryGate === row.outcome).length

describe(`expr conformance: ${agreeing} of ${cases.length} agree with expr, ${differing} differ deliberately (stricter)`, () => {
  it('runs the reference corpus', () => {
    expect(cases).toHaveLength(165)
    if (existsSync(REFERENCE)) expect(CORPUS).toBe(readFileSync(REFERENCE, 'utf8').trim())
  })

  it.each(rows.map((row) => [row.what, row] as const))('%s', (_what, row) => {
    if (row.agrees) {
      // An agreement listed as a difference means the table is stale.
      expect(row.difference).toBeUndefined()
      return
    }
    expect({ what: row.what, expr: row.c.expr_says, canaryGate: row.outcome, message: row.message }).toEqual({
      what: row.what,
      expr: row.c.expr_says,
      canaryGate: row.difference?.canaryGate ?? expected(row.c),
      message: row.difference ? expect.stringMatching(row.difference.message) : row.message
    })
  })

  it('lists only differences that are stricter than expr, each with its reason', () => {
    for (const entry of DELIBERATE) {
      const row = rows.find((r) => r.what === entry.what)
      expect(row).toBeDefined()
      expect(entry.why).not.toBe('')
      // Stricter: an Error where expr answers true or false, an Inconclusive where expr passes.
      const stricter = row!.c.expr_says !== 'error' && (entry.canaryGate === 'Error' || (entry.canaryGate === 'Inconclusive' && row!.c.expr_says === true))
      expect({ what: entry.what, stricter }).toEqual({ what: entry.what, stricter: true })
    }
  })
})
