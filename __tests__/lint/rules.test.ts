// lint's rules, each on a small plan read in process as the command reads it: the finding, its
// level, and its file and line; and what each rule must leave alone.
import { describe, expect, it } from '@jest/globals'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { lintDocuments, type Finding, type LintOptions } from '../../src/lint/index.js'
import { PLAN_READER } from '../../src/plan/flagger/documents.js'
import { parseDocuments } from '../../src/plan/load.js'
import { Secrets } from '../../src/secrets.js'

function lint(files: Record<string, string>, options: Partial<LintOptions> = {}): Finding[] {
  const issues = new IssueList()
  const docs = Object.entries(files).flatMap(([file, text]) => parseDocuments(text, file, issues, PLAN_READER))
  return lintDocuments(docs, { args: new Map(), templates: [], timeoutMs: 3_600_000, namespace: 'default', secrets: new Secrets(), ...options }, issues.issues)
}

const shown = (findings: Finding[]) => findings.map((f) => `${f.level} ${formatIssue(f)}`)

const template = (metric: string, args = '') => `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: errors}
spec:
${args}  metrics:
    - name: error-rate
      provider:
        prometheus: {address: 'http://prom:9090', query: 'errors{app="{{args.app}}"}'}
${metric
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
`
const APP_ARG = '  args:\n    - name: app\n      value: vote\n'

const rollout = (steps: string) => `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: vote}
spec:
  strategy:
    canary:
      steps:
${steps
  .split('\n')
  .map((line) => `        ${line}`)
  .join('\n')}
`

describe('metric-never-fails', () => {
  it('warns at the failureCondition that can never be true', () => {
    const findings = lint({ 't.yaml': template('interval: 1m\ncount: 3\nfailureCondition: result[0] > 5 && result[0] < 1', APP_ARG) })
    expect(shown(findings)).toEqual([
      'warning t.yaml:14: metric "error-rate": failureCondition: result[0] > 5 && result[0] < 1 can never be true (no value of result[0] meets > 5 and < 1), so the metric can never fail'
    ])
  })

  it('warns at a successCondition that can never be false when there is no failureCondition', () => {
    const findings = lint({ 't.yaml': template('successCondition: len(result) >= 0', APP_ARG) })
    expect(shown(findings)).toEqual([
      'warning t.yaml:12: metric "error-rate": successCondition: len(result) >= 0 can never be false (len(result) is never below 0) and there is no failureCondition, so the metric can never fail'
    ])
  })

  it('warns at failureLimit -1 on a metric without a count (a background analysis)', () => {
    const findings = lint({
      'r.yaml': `${rollout('- setWeight: 20\n- pause: {duration: 1m}')}      analysis:\n        templates: [{templateName: errors}]\n`,
      't.yaml': template('interval: 1m\nfailureLimit: -1\nconsecutiveSuccessLimit: 2\nsuccessCondition: result[0] < 1', APP_ARG)
    })
    expect(shown(findings)).toEqual([
      'warning t.yaml:13: metric "error-rate": failureLimit: is -1 (no limit) and the metric has no count: it measures until the analysis stops and can never fail; give it a failureLimit, or a count'
    ])
  })

  it('leaves alone conditions that depend on the value, and constants the cluster gives at run time', () => {
    expect(lint({ 't.yaml': template('failureCondition: result[0] > 5\nsuccessCondition: result[0] < 1', APP_ARG) })).toEqual([])
    // {{args.max}} comes from the Rollout (valueFrom): lint sees a stand-in 0, and proves nothing with it.
    const findings = lint({
      'r.yaml': rollout('- analysis:\n    templates: [{templateName: errors}]\n    args: [{name: max, valueFrom: {fieldRef: {fieldPath: "metadata.labels[\'max\']"}}}]\n- setWeight: 100'),
      't.yaml': template('failureCondition: result[0] > 1 && result[0] < {{args.max}}', `${APP_ARG}    - name: max\n`)
    })
    expect(shown(findings)).toEqual([])
  })
})

describe('count-without-interval', () => {
  it('warns at count 0 with no interval (one measurement, not unlimited)', () => {
    expect(shown(lint({ 't.yaml': template('count: 0\nsuccessCondition: result[0] < 1', APP_ARG) }))).toEqual([
      'warning t.yaml:12: metric "error-rate": count: is 0 (unlimited) with no interval: the metric is measured once, not until the analysis stops; give it an interval'
    ])
  })

  it('refuses count > 1 with no interval, as run and analyze do', () => {
    expect(shown(lint({ 't.yaml': template('count: 3\nsuccessCondition: result[0] < 1', APP_ARG) }))).toEqual([
      'error t.yaml:12: metric "error-rate": count: count 3 needs an interval between measurements'
    ])
  })
})

describe('unused-args', () => {
  it('warns at a step arg that no template of the step declares, and at one no metric reads', () => {
    const findings = lint({
      'r.yaml': rollout('- analysis:\n    templates: [{templateName: errors}]\n    args:\n      - {name: app, value: vote}\n      - {name: namespace, value: qa}\n      - {name: window, value: 5m}\n- setWeight: 100'),
      't.yaml': template('successCondition: result[0] < 1', '  args:\n    - name: app\n    - name: window\n      value: 1m\n')
    })
    expect(shown(findings)).toEqual([
      'warning r.yaml:12: rollout "vote" step 1: args[1]: arg "namespace" is declared by no template of this step ("errors"), so its value changes nothing',
      'warning r.yaml:13: rollout "vote" step 1: args[2]: arg "window" is declared by "errors", but no metric reads {{args.window}}, so its value changes nothing'
    ])
  })

  it('warns at an args input no metric reads; one no template declares is an error, as in run', () => {
    const findings = lint({ 't.yaml': template('successCondition: result[0] < 1', `${APP_ARG}    - name: window\n      value: 1m\n`) }, { args: new Map([['window', '5m'], ['windw', '5m']]) })
    expect(shown(findings)).toEqual([
      'error input "args": "windw" is declared by no template in the plan, so it would change nothing (did you mean "window"?)',
      'warning input "args": "window" is declared, but no metric reads {{args.window}}, so its value changes nothing'
    ])
  })
})

describe('pause-without-duration', () => {
  it('warns at a pause without duration before the last step, not at the last one', () => {
    const findings = lint({ 'r.yaml': rollout('- setWeight: 20\n- pause: {}\n- setWeight: 50\n- pause: {}') })
    expect(shown(findings)).toEqual([
      'warning r.yaml:9: rollout "vote": spec.strategy.canary.steps[1].pause: step 2 of 4 pauses until someone promotes the rollout; the gate\'s run waits with it until its timeout. Give it a duration, or make it an analysis step'
    ])
  })
})

describe('errors', () => {
  it('checks a plan of templates only as analyze would: an arg with no value is refused, a secret one is a stand-in', () => {
    const text = template('successCondition: result[0] < 1', '  args:\n    - name: app\n    - name: api-token\n').replace("query: 'errors", "headers: [{key: Authorization, value: 'Bearer {{args.api-token}}'}], query: 'errors")
    expect(shown(lint({ 't.yaml': text }))).toEqual([
      'error t.yaml:6: template "errors": spec.args[0]: arg "app" has no value: give it in the args input (app=…) or in the Rollout\'s analysis step'
    ])
    expect(shown(lint({ 't.yaml': text }, { args: new Map([['app', 'vote']]) }))).toEqual([])
  })

  it('reports what run would refuse, every problem at once, in file and line order', () => {
    const findings = lint({
      'r.yaml': rollout('- setWieght: 20\n- analysis:\n    templates: [{templateName: error}]'),
      't.yaml': template('interval: 1m\ncount: 3\nsuccessCondition: result[0] <', APP_ARG)
    })
    expect(shown(findings)).toEqual([
      'error r.yaml:8: rollout "vote": spec.strategy.canary.steps[0].setWieght: unknown step (did you mean "setWeight"?)',
      'error r.yaml:10: rollout "vote": spec.strategy.canary.steps[1].analysis.templates[0].templateName: no AnalysisTemplate "error" in the plan (it has: errors); add its file to the plan input',
      expect.stringMatching(/^error t\.yaml:14: metric "error-rate": successCondition: .* — in: result\[0\] <$/)
    ])
  })

  it('reads Flagger documents too, and needs no credentials: a secret arg of the args input is a stand-in', () => {
    const findings = lint({
      't.yaml': template('successCondition: result[0] < 1', `${APP_ARG}    - name: api-token\n`).replace("query: 'errors", "headers: [{key: Authorization, value: 'Bearer {{args.api-token}}'}], query: 'errors"),
      'c.yaml': 'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: podinfo}\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  service: {port: 80}\n'
    })
    expect(shown(findings)).toEqual([
      'error c.yaml:4: canary "podinfo": spec: names no provider: Flagger takes it from its -mesh-provider flag, which canary-gate cannot see; set spec.provider: nginx (with spec.ingressRef) or gatewayapi (with spec.service.gatewayRefs)',
      'error c.yaml:4: canary "podinfo": spec: has no analysis: Flagger would promote the canary without checking it; add spec.analysis'
    ])
  })
})

describe('every problem at once', () => {
  it('an arg without a value, a misspelt arg and a bad interval in one metric: each reported, none hiding the others', () => {
    const text = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: errors}
spec:
  args:
    - name: app
    - name: error-threshold
      value: "2"
  metrics:
    - name: error-rate
      interval: 60 seconds
      count: 2
      successCondition: result < {{args.error-treshold}}
      provider:
        prometheus: {address: 'http://prom:9090', query: 'errors{app="{{args.app}}"}'}
`
    expect(shown(lint({ 't.yaml': text }))).toEqual([
      'error t.yaml:6: template "errors": spec.args[0]: arg "app" has no value: give it in the args input (app=…)',
      'error t.yaml:11: metric "error-rate": interval: "60 seconds" is not a positive duration (use Go durations such as 30s, 1m, 1h30m)',
      'error t.yaml:13: metric "error-rate": successCondition: {{args.error-treshold}} names an arg the template does not declare (declare it under spec.args)'
    ])
  })
})
