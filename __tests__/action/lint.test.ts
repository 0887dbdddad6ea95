// command: lint through the bundle, as the runner runs it: every problem of a plan in two files as an
// annotation on its file and line, the summary listing them, exit 1; a clean plan is Successful. No
// cluster, no metric backend, no token, no credentials.
import { describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runAction } from '../../emulators/runner.js'

const ROLLOUT = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: vote}
spec:
  strategy:
    canary:
      steps:
        - setWeight: 20
        - pause: {}
        - analysis:
            templates: [{templateName: error-rate}, {templateName: latency}]
            args:
              - {name: app, value: vote}
              - {name: region, value: eu}
        - setWieght: 50
        - analysis:
            templates: [{templateName: error-rate}]
            args: [{name: app, value: vote}]
`

const TEMPLATES = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  args: [{name: app}, {name: api-token}]
  metrics:
    - name: error-rate
      interval: 1m
      count: 3
      failureCondition: result[0] > 5 && result[0] < 2
      provider:
        prometheus:
          query: 'errors{app="{{args.app}}"}'
          headers: [{key: Authorization, value: 'Bearer {{args.api-token}}'}]
    - name: requests
      count: 2
      successCondition: result[0] >
      provider:
        prometheus: {query: 'requests{app="{{args.app}}"}'}
`

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-lint-'))
  await mkdir(path.join(dir, 'k8s'))
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, 'k8s', name), text)
  return dir
}

/** The annotations of the step's log, in order. */
const annotations = (stdout: string) => stdout.split('\n').filter((line) => /^::(error|warning) /.test(line))

describe('command lint, through the bundle', () => {
  it('annotates every problem of a plan in two files on its file and line, lists them in the summary, and exits 1', async () => {
    const dir = await workspace({ 'rollout.yaml': ROLLOUT, 'templates.yaml': TEMPLATES })
    const run = await runAction({ inputs: { command: 'lint', plan: 'k8s/*.yaml' }, workspace: dir, env: { GITHUB_TOKEN: '' } })
    expect(annotations(run.stdout)).toEqual([
      '::warning title=canary-gate lint warning,file=k8s/rollout.yaml,line=9::k8s/rollout.yaml:9: rollout "vote": spec.strategy.canary.steps[1].pause: step 2 of 5 pauses until someone promotes the rollout; the gate\'s run waits with it until its timeout. Give it a duration, or make it an analysis step',
      '::error title=canary-gate lint error,file=k8s/rollout.yaml,line=11::k8s/rollout.yaml:11: rollout "vote": spec.strategy.canary.steps[2].analysis.templates[1].templateName: no AnalysisTemplate "latency" in the plan (it has: error-rate); add its file to the plan input',
      '::error title=canary-gate lint error,file=k8s/rollout.yaml,line=15::k8s/rollout.yaml:15: rollout "vote": spec.strategy.canary.steps[3].setWieght: unknown step (did you mean "setWeight"?)',
      '::warning title=canary-gate lint warning,file=k8s/templates.yaml,line=10::k8s/templates.yaml:10: metric "error-rate": failureCondition: result[0] > 5 && result[0] < 2 can never be true (no value of result[0] meets > 5 and < 2), so the metric can never fail',
      '::error title=canary-gate lint error,file=k8s/templates.yaml,line=16::k8s/templates.yaml:16: metric "requests": count: count 2 needs an interval between measurements',
      '::error title=canary-gate lint error,file=k8s/templates.yaml,line=17::k8s/templates.yaml:17: metric "requests": successCondition: unexpected end of expression at column 12 — in: result[0] >'
    ])
    expect(run.stdout).toContain('::error::canary-gate: Error — the plan has 4 errors and 2 warnings: run and analyze would refuse it')
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ verdict: 'Error', outcome: 'none' })
    expect(run.summary).toContain('Error — lint: the plan has 4 errors and 2 warnings')
    for (const line of ['k8s/rollout.yaml:11', 'k8s/rollout.yaml:15', 'k8s/templates.yaml:16', 'k8s/templates.yaml:17', 'warning: k8s/rollout.yaml:9']) expect(run.summary).toContain(line)
    // Nothing asked of GitHub, a cluster or a backend: no token, no kubeconfig, no address were given.
    expect(run.stdout).not.toContain('github-token')
  })

  it('passes a clean plan: Successful, exit 0, no annotations', async () => {
    const fixed = ROLLOUT.replace('pause: {}', 'pause: {duration: 2m}')
      .replace(', {templateName: latency}', '')
      .replace('              - {name: region, value: eu}\n', '')
      .replace('setWieght', 'setWeight')
    const templates = TEMPLATES.replace('result[0] > 5 && result[0] < 2', 'result[0] > 5').replace('      count: 2\n', '      interval: 1m\n      count: 2\n').replace('result[0] >\n', 'result[0] > 100\n')
    const dir = await workspace({ 'rollout.yaml': fixed, 'templates.yaml': templates })
    const run = await runAction({ inputs: { command: 'lint', plan: 'k8s/*.yaml' }, workspace: dir })
    expect(annotations(run.stdout)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ verdict: 'Successful', outcome: 'none' })
    expect(run.summary).toContain('Successful — lint: the plan is valid, with no warnings')
  })
})
