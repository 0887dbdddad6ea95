// Plans that would silently lose a metric: a misspelt kind, a misspelt key in a template's spec or
// in the Rollout's strategy. Each is one message at its file and line, saying what was meant.
import { describe, expect, it } from '@jest/globals'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { parseDocuments } from '../../src/plan/load.js'
import { readRolloutPlan } from '../../src/plan/rollout.js'
import { readTemplates } from '../../src/plan/templates.js'

/** Reads one file's text as analyze and run do; returns the kinds read and the messages. */
function read(text: string, rollout?: string) {
  const issues = new IssueList()
  const docs = parseDocuments(text, 'plan.yaml', issues)
  const templates = readTemplates(docs, issues)
  const plan = rollout === undefined ? undefined : readRolloutPlan(docs, rollout, templates, issues)
  return { kinds: docs.map((doc) => `${doc.kind}/${doc.name}`), templates, plan, problems: issues.issues.map(formatIssue) }
}

const metric = `  metrics:
    - name: error-rate
      successCondition: result[0] < 0.01
      provider:
        prometheus: {address: 'http://prom:9090', query: up}
`
const template = (kind: string, name = 'error-rate', apiVersion = 'argoproj.io/v1alpha1') => `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: ${name}
spec:
${metric}`

describe('kinds', () => {
  it.each([
    ['AnalysisTempalte', 'AnalysisTemplate', ''],
    ['analysistemplate', 'AnalysisTemplate', ', kinds are case-sensitive'],
    ['ClusterAnalysisTemplates', 'ClusterAnalysisTemplate', ''],
    ['clusteranalysistemplate', 'ClusterAnalysisTemplate', ', kinds are case-sensitive']
  ])('reports the misspelt kind %s at its line, and still checks the template as the %s meant', (kind, meant, note) => {
    const subject = meant === 'ClusterAnalysisTemplate' ? 'cluster template' : 'template'
    const { problems, kinds } = read(template(kind).replace('  metrics:', '  dryrun: []\n  metrics:'))
    expect(problems).toEqual([
      `plan.yaml:2: ${subject} "error-rate": kind: unknown kind "${kind}"${note} (did you mean "${meant}"?)`,
      // read as the kind meant, so its other mistakes come out in the same run
      `plan.yaml:6: ${subject} "error-rate": spec.dryrun: unknown field (did you mean "dryRun"?)`
    ])
    expect(kinds).toEqual([`${meant}/error-rate`])
  })

  it('reports a misspelt Rollout kind, and does not also say the plan holds no Rollout', () => {
    const { problems, plan } = read('apiVersion: argoproj.io/v1alpha1\nkind: rollout\nmetadata: {name: vote}\nspec: {strategy: {canary: {steps: [{setWeight: 20}]}}}\n', 'vote')
    expect(problems).toEqual(['plan.yaml:2: rollout "vote": kind: unknown kind "rollout", kinds are case-sensitive (did you mean "Rollout"?)'])
    expect(plan?.steps).toEqual([{ kind: 'setWeight', weight: 20 }])
  })

  it('leaves the other kinds alone, as the README promises, Argo’s other kinds and another project’s Rollout included', () => {
    const others = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: vote}\nspec: {ports: [{port: 80}]}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: vote}\nspec: {replicas: 1}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}',
      'apiVersion: argoproj.io/v1alpha1\nkind: Experiment\nmetadata: {name: exp}\nspec: {templates: []}',
      'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisRun\nmetadata: {name: run}\nspec:\n' + metric,
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec: {}',
      'apiVersion: rollouts.kruise.io/v1alpha1\nkind: Rollout\nmetadata: {name: kruise}\nspec: {strategy: {canary: {steps: [{replicas: 1}]}}}',
      // a kustomization has no kind, and nothing of a template or a Rollout
      'resources: [rollout.yaml]'
    ]
    const { problems, kinds } = read([...others, template('AnalysisTemplate')].join('\n---\n'))
    expect(problems).toEqual([])
    expect(kinds).toEqual(['AnalysisTemplate/error-rate'])
  })

  it('refuses a kind Argo does not have in Argo’s group, since it can only be a mistake', () => {
    const { problems, kinds } = read(template('MetricTemplate', 'x'))
    expect(problems).toEqual(['plan.yaml:2: document "x": kind: Argo has no kind "MetricTemplate"; canary-gate reads Rollout, AnalysisTemplate, ClusterAnalysisTemplate'])
    expect(kinds).toEqual([])
  })

  it('names a document that has no kind but is plainly a template or a Rollout', () => {
    const { problems } = read(`metadata: {name: error-rate}\nspec:\n${metric}---\nmetadata: {name: vote}\nspec: {strategy: {canary: {steps: []}}}\n`)
    expect(problems).toEqual([
      'plan.yaml:1: document "error-rate": kind: is missing, so the document would not be read; it looks like an AnalysisTemplate (it has spec.metrics)',
      'plan.yaml:9: document "vote": kind: is missing, so the document would not be read; it looks like a Rollout (it has spec.strategy.canary)'
    ])
  })

  it('checks the apiVersion of the kinds it reads', () => {
    const { problems } = read([template('AnalysisTemplate', 'a', 'v1'), template('AnalysisTemplate', 'b', 'argoproj.io/v1'), template('AnalysisTemplate', 'c', 'argproj.io/v1alpha1')].join('---\n'))
    expect(problems).toEqual([
      'plan.yaml:1: document "a": apiVersion: "v1" has no AnalysisTemplate: Argo Rollouts\' AnalysisTemplate is argoproj.io/v1alpha1',
      'plan.yaml:12: template "b": apiVersion: "argoproj.io/v1" is not served: Argo Rollouts\' AnalysisTemplate is argoproj.io/v1alpha1',
      'plan.yaml:23: template "c": apiVersion: "argproj.io/v1alpha1" is not Argo\'s API group (did you mean "argoproj.io/v1alpha1"?)'
    ])
  })

  it('says when kind is not text', () => {
    expect(read('kind: [AnalysisTemplate]\nmetadata: {name: x}\n').problems).toEqual(['plan.yaml:1: document "x": kind: must be text, such as AnalysisTemplate'])
  })
})

describe("a template's spec", () => {
  it.each([
    ['dryrun: [{metricName: error-rate}]', 'spec.dryrun', 'dryRun'],
    ['arg: [{name: app}]', 'spec.arg', 'args'],
    ['measurmentRetention: [{metricName: error-rate, limit: 5}]', 'spec.measurmentRetention', 'measurementRetention']
  ])('names the misspelt key in "%s" instead of ignoring it', (line, field, meant) => {
    const { problems } = read(template('AnalysisTemplate').replace('spec:\n', `spec:\n  ${line}\n`))
    expect(problems).toEqual([`plan.yaml:6: template "error-rate": ${field}: unknown field (did you mean "${meant}"?)`])
  })

  it('names spec.metric, and does not also say the template has no metrics', () => {
    const { problems } = read(template('AnalysisTemplate').replace('  metrics:', '  metric:'))
    expect(problems).toEqual(['plan.yaml:6: template "error-rate": spec.metric: unknown field (did you mean "metrics"?)'])
  })

  it('still says a template without metrics needs one', () => {
    expect(read('apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: empty}\nspec:\n  metrics: []\n').problems).toEqual([
      'plan.yaml:5: template "empty": spec.metrics: needs at least one metric (or spec.templates naming the templates it is made of)'
    ])
  })

  it('names a misspelt key in a template reference', () => {
    const composed = template('AnalysisTemplate', 'composed').replace('spec:\n', 'spec:\n  templates: [{templateName: error-rate, clusterscope: true}]\n')
    expect(read(`${template('AnalysisTemplate')}---\n${composed}`).problems).toEqual([
      'plan.yaml:17: template "composed": spec.templates[0].clusterscope: unknown field (did you mean "clusterScope"?)'
    ])
  })

  it('names a misspelt top-level key', () => {
    expect(read(template('AnalysisTemplate').replace('metadata:', 'metdata: {}\nmetadata:')).problems).toEqual([
      'plan.yaml:3: template "error-rate": metdata: unknown field (did you mean "metadata"?)'
    ])
  })
})

describe("the Rollout's strategy", () => {
  const rollout = (canary: string) => `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: vote}
spec:
  strategy:
${canary}`
  const analyse = (templates: string) => read(`${template('AnalysisTemplate')}---\n${templates}`, 'vote')

  it('names misspelt canary keys', () => {
    const { problems } = analyse(rollout('    canary:\n      stpes:\n        - setWeight: 20\n      canaryServce: vote-canary\n'))
    expect(problems).toEqual([
      'plan.yaml:18: rollout "vote": spec.strategy.canary.stpes: unknown field (did you mean "steps"?)',
      'plan.yaml:20: rollout "vote": spec.strategy.canary.canaryServce: unknown field (did you mean "canaryService"?)'
    ])
  })

  it('names a misspelt strategy, and says canary-gate drives canary steps when it is blueGreen', () => {
    expect(analyse(rollout('    canery:\n      steps: [{setWeight: 20}]\n')).problems).toEqual(['plan.yaml:17: rollout "vote": spec.strategy.canery: unknown field (did you mean "canary"?)'])
    expect(analyse(rollout('    blueGreen: {activeService: vote}\n')).problems).toEqual([
      'plan.yaml:17: rollout "vote": spec.strategy.blueGreen: canary-gate drives canary steps, and this Rollout uses blueGreen'
    ])
  })

  it('names misspelt steps, steps with two actions, and bad values, each at its line', () => {
    const { problems } = analyse(
      rollout(`    canary:
      steps:
        - setWieght: 20
        - setWeight: 20
          pause: {}
        - setWeight: 150
        - pause: {duraton: 2m}
        - {}
        - analysis:
            templates: [{templateName: error-rate}]
            arg: [{name: app, value: vote}]
        - analysis:
            templates: [{templateName: error-rate, clusterscope: false}]
        - pause: {duration: -5}
`)
    )
    expect(problems).toEqual([
      'plan.yaml:19: rollout "vote": spec.strategy.canary.steps[0].setWieght: unknown step (did you mean "setWeight"?)',
      'plan.yaml:20: rollout "vote": spec.strategy.canary.steps[1]: has 2 actions (setWeight, pause); a step does one thing, so make each its own step',
      'plan.yaml:22: rollout "vote": spec.strategy.canary.steps[2].setWeight: must be at most 100',
      'plan.yaml:23: rollout "vote": spec.strategy.canary.steps[3].pause.duraton: unknown field (did you mean "duration"?)',
      'plan.yaml:24: rollout "vote": spec.strategy.canary.steps[4]: is empty: a step is one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute, experiment, plugin',
      'plan.yaml:27: rollout "vote": spec.strategy.canary.steps[5].analysis.arg: unknown field (did you mean "args"?)',
      'plan.yaml:29: rollout "vote": spec.strategy.canary.steps[6].analysis.templates[0].clusterscope: unknown field (did you mean "clusterScope"?)',
      'plan.yaml:30: rollout "vote": spec.strategy.canary.steps[7].pause.duration: "-5" is not a duration (e.g. 30s, 2m, or a number of seconds)'
    ])
  })

  it('names misspelt keys of the background analysis', () => {
    const { problems } = analyse(rollout('    canary:\n      steps: [{setWeight: 20}]\n      analysis:\n        templates: [{templateName: error-rate}]\n        startingstep: 1\n'))
    expect(problems).toEqual(['plan.yaml:21: rollout "vote": spec.strategy.canary.analysis.startingstep: unknown field (did you mean "startingStep"?)'])
  })

  it('keeps the steps the controller runs, and the fields of the strategy canary-gate does not read', () => {
    const { problems, plan } = analyse(
      rollout(`    canary:
      canaryService: vote-canary
      stableService: vote
      trafficRouting: {nginx: {stableIngress: vote}}
      maxSurge: 25%
      dynamicStableScale: true
      steps:
        - setCanaryScale: {replicas: 1}
        - setWeight: 20
        - analysis: {templates: [{templateName: error-rate}], args: [{name: app, value: vote}]}
`)
    )
    expect(problems).toEqual([])
    expect(plan?.steps.map((step) => step.kind)).toEqual(['other', 'setWeight', 'analysis'])
  })

  it('refuses two Rollouts of the same name rather than driving the first', () => {
    const vote = (weight: number) => `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: vote}\nspec: {strategy: {canary: {steps: [{setWeight: ${weight}}]}}}\n`
    expect(read(`${vote(20)}---\n${vote(50)}`, 'vote').problems).toEqual(['plan.yaml:8: rollout "vote": is defined twice (also at plan.yaml:3)'])
  })
})
