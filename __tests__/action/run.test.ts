// command run through the bundle, run as the runner runs it, against the Kubernetes API emulator
// driven by the real kubectl: the seed team's canary promoted, aborted, paused, cancelled.
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startNerdGraph, type NerdGraphEmulator } from '../../emulators/newrelic/server.js'
import { deployInputs, NAMESPACE, NEW_IMAGE, rolloutOf, seedJobs, seedRollout, startCluster, type Cluster } from '../support/cluster.js'

let cluster: Cluster | undefined
let nerdgraph: NerdGraphEmulator | undefined
afterEach(async () => {
  await cluster?.close()
  await nerdgraph?.close()
  cluster = undefined
  nerdgraph = undefined
})

interface ReportShape {
  verdict: string
  outcome: string
  steps: Array<{ index: number; description: string; result: string; weight?: number }>
  analyses: Array<{ label: string; verdict: string; metrics: Array<{ name: string; phase: string }> }>
  abort?: { msFromFailingMeasurementToAbortCall?: number; msFromAbortCallToWeightZero?: number; canaryWeightBefore: number; canaryWeightAfter?: number }
  rollout: { path: string }
  kubectl: { calls: number; callsPerMinute?: number }
}

describe('command run on the seed rollout', () => {
  it('promotes a healthy canary through every step, running the seed jobs unchanged', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 0.4))
    const run = await cluster.run({ inputs: deployInputs() })
    const report = run.report as unknown as ReportShape
    expect(run.stderr).toBe('')
    expect(run.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted', 'failed-metrics': '' })
    expect(run.exitCode).toBe(0)
    expect(report.steps.map((s) => s.result)).toEqual(['done', 'done', 'passed', 'done', 'done', 'passed', 'done', 'done', 'passed'])
    expect(report.analyses.map((a) => [a.label, a.verdict])).toEqual([
      ['step 3/9', 'Successful'],
      ['step 6/9', 'Successful'],
      ['step 9/9', 'Successful']
    ])
    expect(rolloutOf(cluster.kube)).toMatchObject({ phase: 'Healthy', image: NEW_IMAGE })
    expect(cluster.kube.events.some((e) => e.weight === 100)).toBe(true)
    // every Job it created was deleted again
    const creates = cluster.kube.requests.filter((r) => r.method === 'POST' && r.path.includes('/jobs')).length
    const deletes = cluster.kube.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/jobs/')).length
    expect(creates).toBe(3 + 2 * (3 + 2))
    expect(deletes).toBe(creates)
    expect(run.stdout).toContain('kubectl argo rollouts plugin not found: canary-gate issues the same patches the plugin would')
    expect(run.summary).toContain('| Step | Action | Canary weight | Start (UTC) | Duration | Result |')
  })

  it('aborts at the 50% step when the error rate is 2.68%: weight back to 0, 100% never reached', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 2.68))
    const run = await cluster.run({ inputs: deployInputs() })
    const report = run.report as unknown as ReportShape
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted', 'failed-metrics': 'error-rate' })
    expect(report.steps.map((s) => s.result)).toEqual(['done', 'done', 'passed', 'done', 'done', 'failed', 'skipped', 'skipped', 'skipped'])
    expect(rolloutOf(cluster.kube)).toMatchObject({ phase: 'Degraded', abort: true, weight: 0 })
    expect(cluster.kube.events.some((e) => e.weight === 100)).toBe(false)
    expect(report.abort).toMatchObject({ canaryWeightBefore: 50, canaryWeightAfter: 0 })
    // The report times the abort (the benchmark prints the figures; a loaded machine must not fail a test).
    expect(report.abort!.msFromFailingMeasurementToAbortCall).toEqual(expect.any(Number))
    expect(run.stdout).toMatch(/rollout vote aborted: canary traffic 50% → 0%/)
    expect(run.outputs['next-steps']).toContain('kubectl argo rollouts retry rollout vote -n voting01-qa')
  })

  it('measures the error rate in New Relic directly and aborts at 2.68%', async () => {
    nerdgraph = await startNerdGraph({ apiKey: 'NRAK-RUN0000000000000000000000000', accountId: 42, results: [{ match: 'voting01-vote-qa', rows: [{ errorRate: 2.68 }] }] })
    cluster = await startCluster({ rollout: await seedRollout('examples/voting01/rollout-newrelic.yaml') })
    cluster.kube.setJobBehavior(seedJobs(() => 0))
    const run = await cluster.run({
      inputs: deployInputs({
        plan: 'examples/voting01/rollout-newrelic.yaml examples/voting01/health-check.yaml examples/voting01/error-rate-newrelic.yaml',
        args: 'app-name=voting01-vote-qa',
        'newrelic-api-key': 'NRAK-RUN0000000000000000000000000',
        'newrelic-account-id': '42',
        'newrelic-graphql-url': nerdgraph.url
      })
    })
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted', 'failed-metrics': 'error-rate' })
    expect(rolloutOf(cluster.kube)).toMatchObject({ phase: 'Degraded', weight: 0 })
    expect(run.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain('NRAK-RUN')
    expect(run.stdout).toContain('::add-mask::NRAK-RUN0000000000000000000000000')
  })

  it('leaves an inconclusive canary paused for a human, with the commands to go on', async () => {
    cluster = await startCluster()
    // 1.5% is neither healthy (< 1) nor failing (>= 2) under this template
    cluster.kube.setJobBehavior((job) => {
      const name = (job.spec as { template: { spec: { containers: Array<{ name: string }> } } }).template.spec.containers[0].name
      return name === 'health-check' ? { exitCode: 0, log: 'healthy' } : { exitCode: 0, log: '{"errorRate": 1.5}' }
    })
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-inconclusive-'))
    const template = (await readFile('examples/voting01/analysis-template.yaml', 'utf8')).replace(
      'successCondition: result.errorRate < {{args.error-threshold}}',
      'successCondition: result.errorRate < 1\n      failureCondition: result.errorRate >= {{args.error-threshold}}'
    )
    const file = path.join(dir, 'analysis.yaml')
    await (await import('node:fs/promises')).writeFile(file, template)
    const run = await cluster.run({ inputs: deployInputs({ plan: `examples/voting01/rollout.yaml examples/voting01/health-check.yaml ${file}` }) })
    expect(run.outputs).toMatchObject({ verdict: 'Inconclusive', outcome: 'paused' })
    expect(rolloutOf(cluster.kube)).toMatchObject({ phase: 'Paused', index: 5, weight: 50 })
    expect(run.outputs['next-steps'].split('\n')).toEqual(['kubectl argo rollouts promote vote -n voting01-qa', 'kubectl argo rollouts abort vote -n voting01-qa'])
    expect(run.summary).toContain('| go on to the next step | <code>command: promote</code> | <code>kubectl argo rollouts promote vote -n voting01-qa</code> |')
    expect(run.summary).toContain('| roll back to stable | <code>command: abort</code> | <code>kubectl argo rollouts abort vote -n voting01-qa</code> |')
    expect(run.stdout).toMatch(/::notice::on-inconclusive is pause: the rollout is left paused/)
  })

  it('aborts the rollout it started when the workflow is cancelled during a pause, within seconds', async () => {
    cluster = await startCluster({ scale: 2 })
    cluster.kube.setJobBehavior(seedJobs(() => 0.4))
    const run = await cluster.run({ inputs: deployInputs(), cancel: { when: (log) => /step 2\/9 pause 2m/.test(log), signal: 'SIGINT' } })
    expect(run.outputs).toMatchObject({ verdict: 'Inconclusive', outcome: 'aborted' })
    expect(rolloutOf(cluster.kube)).toMatchObject({ abort: true })
    expect(run.stdout).toContain('received SIGINT')
    expect(run.summary).toContain('the workflow was cancelled')
    const cancelledAt = run.stdout.indexOf('received SIGINT')
    expect(cancelledAt).toBeGreaterThan(0)
    expect(run.elapsedMs).toBeLessThan(30_000)
  })

  it('refuses to touch a GitOps-managed rollout whose steps differ, and shows the difference', async () => {
    const rollout = await seedRollout()
    cluster = await startCluster({ rollout })
    const run = await cluster.run({ inputs: deployInputs({ 'apply-steps': 'false' }) })
    expect(run.outputs).toMatchObject({ verdict: 'Error', outcome: 'none' })
    expect(run.stdout).toMatch(/^- step 2: \{"analysis":.*voting01-health-check/m)
    expect(run.stdout).toMatch(/^\+ step 2: \{"pause":\{\}\}$/m)
    expect(run.summary).toMatch(/```diff\n  step 0: \{"setWeight":20\}\n/)
    expect(cluster.kube.requests.filter((r) => r.method !== 'GET')).toEqual([])
    expect(rolloutOf(cluster.kube).image).not.toBe(NEW_IMAGE)
  })

  it('goes through the kubectl argo rollouts plugin when it is installed, and says so', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 2.68))
    const pluginLog = path.join(await mkdtemp(path.join(os.tmpdir(), 'cg-plugin-')), 'calls.log')
    const run = await cluster.run({ inputs: deployInputs(), plugin: true, env: { KUBECTL_ARGO_ROLLOUTS_LOG: pluginLog } })
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(run.stdout).toContain('kubectl argo rollouts plugin found on PATH')
    const calls = (await readFile(pluginLog, 'utf8')).trim().split('\n')
    expect(calls[0]).toMatch(/^set image vote vote=registry\.example\.com\/vote:175a032/)
    expect(calls.filter((c) => c.startsWith('promote vote'))).toHaveLength(1)
    expect(calls.at(-1)).toMatch(/^abort vote/)
    expect((run.report as unknown as ReportShape).rollout.path).toBe('plugin')
  })

  it('ends as Failed with the controller\'s message when the canary crash-loops, and aborts', async () => {
    const rollout = await seedRollout()
    ;(rollout.spec as Record<string, unknown>).progressDeadlineSeconds = 60
    cluster = await startCluster({ rollout })
    cluster.kube.setCanaryCrashLoop('*', true)
    const run = await cluster.run({ inputs: deployInputs() })
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(run.summary).toContain('ProgressDeadlineExceeded')
  })
})

describe('background analysis and cancellation during a measurement', () => {
  it('runs the background analysis alongside the steps and aborts when it fails', async () => {
    const { startSeedMetrics } = await import('../../emulators/seed-metrics/server.js')
    const metrics = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate: 2.68 } } })
    try {
      const rollout = await seedRollout()
      const canary = (rollout.spec as { strategy: { canary: Record<string, unknown> } }).strategy.canary
      canary.steps = [{ setWeight: 20 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { pause: { duration: '10m' } }, { setWeight: 100 }]
      canary.analysis = { templates: [{ templateName: 'voting01-error-rate-web' }], startingStep: 2, args: [{ name: 'app-name', value: 'voting01-vote-qa' }] }
      const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-background-'))
      const { stringify } = await import('yaml')
      await (await import('node:fs/promises')).writeFile(path.join(dir, 'rollout.yaml'), stringify(rollout))
      cluster = await startCluster({ rollout })
      const run = await cluster.run({
        inputs: deployInputs({ plan: `${dir}/rollout.yaml examples/voting01/error-rate-web.yaml`, args: `metrics-url=${metrics.url}` })
      })
      const report = run.report as unknown as ReportShape
      expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted', 'failed-metrics': 'error-rate' })
      expect(report.analyses.map((a) => [a.label, a.verdict])).toEqual([['background', 'Failed']])
      expect(report.steps.map((s) => s.result)).toEqual(['done', 'done', 'done', 'aborted', 'skipped'])
      expect(run.stdout).toMatch(/background analysis voting01-error-rate-web starts at step [34]/)
      expect(cluster.kube.events.some((e) => e.weight === 100)).toBe(false)
    } finally {
      await metrics.close()
    }
  })

  it('deletes the Job it was waiting for when the workflow is cancelled, and aborts', async () => {
    cluster = await startCluster({ scale: 10 })
    cluster.kube.setJobBehavior(() => ({ exitCode: 0, log: 'healthy', durationMs: 10 * 60_000 }))
    const run = await cluster.run({ inputs: deployInputs(), cancel: { when: (log) => /job vote-http-health-[\w-]+ created/.test(log), signal: 'SIGTERM' } })
    expect(run.outputs).toMatchObject({ verdict: 'Inconclusive', outcome: 'aborted' })
    const created = cluster.kube.requests.filter((r) => r.method === 'POST' && r.path.includes('/jobs')).length
    const deleted = cluster.kube.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/jobs/')).length
    expect(created).toBe(1)
    expect(deleted).toBe(1)
    expect(rolloutOf(cluster.kube).abort).toBe(true)
    expect(run.elapsedMs).toBeLessThan(30_000)
  })
})
