// `count: {{args.count}}` unquoted: YAML reads the braces as a flow mapping whose one key is the
// mapping {args.count}, and the metric would get the text "{ args.count }" (or a mapping) instead of
// the arg's value. It is a configuration error at its line that says how to quote it.
import { describe, expect, it } from '@jest/globals'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { parseDocuments } from '../../src/plan/load.js'
import { readRolloutPlan } from '../../src/plan/rollout.js'
import { readTemplates } from '../../src/plan/templates.js'
import { instantiateFile, templateText } from '../analysis/template-file.js'

const metric = (field: string) => `    - name: error-rate
      interval: 1m
      ${field}
      successCondition: result[0] < 0.01
      provider:
        prometheus: {address: 'http://prom:9090', query: up}`

const withCount = (args: string) => templateText(metric('count: {{args.count}}'), args)

describe('an unquoted {{args.x}} where YAML reads a mapping', () => {
  it('is an error at its line, saying how to quote it, instead of a count of "{ args.count }"', async () => {
    const { problems, metrics } = await instantiateFile(withCount('  args:\n  - name: count\n    value: "3"\n'))
    expect(problems).toEqual(['t.yaml:12: count: {{args.count}} is read by YAML as a mapping; quote it: count: "{{args.count}}"'])
    expect(metrics).toEqual([])
  })

  it('keeps the spaces as written', async () => {
    const { problems } = await instantiateFile(templateText(metric('count: {{ args.count }}  # from the step')))
    expect(problems).toEqual(['t.yaml:9: count: {{ args.count }} is read by YAML as a mapping; quote it: count: "{{ args.count }}"'])
  })

  it('is found in every flow position: a value, a list item, a flow list', () => {
    const read = (text: string) => {
      const issues = new IssueList()
      parseDocuments(text, 'p.yaml', issues)
      return issues.issues.map(formatIssue)
    }
    expect(read('spec:\n  args:\n  - name: threshold\n    value: {{args.threshold}}\n')).toEqual(['p.yaml:4: value: {{args.threshold}} is read by YAML as a mapping; quote it: value: "{{args.threshold}}"'])
    expect(read('scopes:\n  - {{args.scope}}\n')).toEqual(['p.yaml:2: {{args.scope}} is read by YAML as a mapping; quote it: "{{args.scope}}"'])
    expect(read('scopes: [read, {{args.scope}}]\n')).toEqual(['p.yaml:1: {{args.scope}} is read by YAML as a mapping; quote it: "{{args.scope}}"'])
  })

  it('names the placeholder, not the YAML errors it leads to, when more follows it on the line', () => {
    const read = (text: string) => {
      const issues = new IssueList()
      parseDocuments(text, 'p.yaml', issues)
      return issues.issues.map(formatIssue)
    }
    expect(read('metadata: {name: t}\nsuccessCondition: {{args.metric}} < 0.01\n')).toEqual([
      'p.yaml:2: successCondition: {{args.metric}} < 0.01 is read by YAML as a mapping; quote it: successCondition: "{{args.metric}} < 0.01"'
    ])
    expect(read('successCondition: {{args.field}} == "ok"\n')).toEqual([
      'p.yaml:1: successCondition: {{args.field}} == "ok" is read by YAML as a mapping; quote it: successCondition: \'{{args.field}} == "ok"\''
    ])
  })

  it("is found in a Rollout's analysis step args too", () => {
    const issues = new IssueList()
    const text = `${templateText(metric('count: 1'), '  args:\n  - name: count\n')}---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: vote}
spec:
  strategy:
    canary:
      steps:
      - analysis:
          templates: [{templateName: t}]
          args:
          - name: count
            value: {{args.count}}
`
    const docs = parseDocuments(text, 'plan.yaml', issues)
    readRolloutPlan(docs, 'vote', readTemplates(docs, issues), issues)
    // Only the placeholder: the Rollout is still read, as if it had been quoted.
    expect(issues.issues.map(formatIssue)).toEqual(['plan.yaml:27: value: {{args.count}} is read by YAML as a mapping; quote it: value: "{{args.count}}"'])
  })

  it('names any other key that is a mapping or a list, which no Kubernetes document has', () => {
    const issues = new IssueList()
    parseDocuments('spec:\n  ? [a, b]\n  : 1\n', 'p.yaml', issues)
    expect(issues.issues.map(formatIssue)).toEqual(["p.yaml:2: YAML error: the key [a, b] is a list; the keys of a Kubernetes document are text"])
  })

  it('reads the quoted placeholder as the arg', async () => {
    const { problems, metrics } = await instantiateFile(templateText(metric('count: "{{args.count}}"'), '  args:\n  - name: count\n    value: "3"\n'))
    expect(problems).toEqual([])
    expect(metrics.map((m) => m.count)).toEqual([3])
  })
})
