// command run through the bundle against the Kubernetes API emulator driven by the real kubectl:
// what others do to the rollout, following an update, timeouts, kubectl failing, dry-run, and the workflow_dispatch commands.
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

describe('what others do to the rollout, and what the gate will not do', () => {
  it('does not restart an aborted canary when re-run with the same image: Error, retry named', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 2.68))
    const first = await cluster.run({ inputs: deployInputs() })
    expect(first.outputs.outcome).toBe('aborted')
    const writesBefore = cluster.kube.requests.filter((r) => r.method !== 'GET').length
    const again = await cluster.run({ inputs: deployInputs() })
    expect(again.outputs).toMatchObject({ verdict: 'Error', outcome: 'none' })
    expect(again.summary).toMatch(/is aborted .*canary-gate does not restart an aborted canary on its own: run command retry/)
    expect(again.outputs['next-steps']).toContain('kubectl argo rollouts retry rollout vote -n voting01-qa')
    expect(cluster.kube.requests.filter((r) => r.method !== 'GET').length).toBe(writesBefore)
  })

  it('does not call a canary good when someone promoted it past an analysis the gate never finished', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(() => ({ exitCode: 0, log: 'healthy', durationMs: 20 * 60_000 }))
    const { execFile } = await import('node:child_process')
    let promoted = false
    const run = await cluster.run({
      inputs: deployInputs(),
      onOutput: (text) => {
        if (promoted || !/job vote-http-health-[\w-]+ created/.test(text)) return
        promoted = true
        execFile('kubectl', ['patch', 'rollout', 'vote', '-n', NAMESPACE, '--subresource=status', '--type=merge', '-p', '{"status":{"promoteFull":true}}'], { env: { ...process.env, ...cluster!.kube.env } }, () => {})
      }
    })
    expect(promoted).toBe(true)
    expect(run.outputs).toMatchObject({ verdict: 'Inconclusive', outcome: 'promoted' })
    expect(run.summary).toMatch(/the analysis of steps 3\/9, 6\/9, 9\/9 never ran: it was promoted past outside canary-gate/)
    expect(run.stdout).toMatch(/the step was promoted outside canary-gate while its analysis ran/)
    // the Job of the interrupted analysis was cleaned up
    const created = cluster.kube.requests.filter((r) => r.method === 'POST' && r.path.includes('/jobs')).length
    const deleted = cluster.kube.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/jobs/')).length
    expect(deleted).toBe(created)
  })

  it('stops a step analysis and aborts when the background analysis fails meanwhile', async () => {
    const { startSeedMetrics } = await import('../../emulators/seed-metrics/server.js')
    const metrics = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate: 2.68 } } })
    try {
      const rollout = await seedRollout()
      const canary = (rollout.spec as { strategy: { canary: Record<string, unknown> } }).strategy.canary
      // from the health-check step on, so it fails while that step's analysis runs
      canary.analysis = { templates: [{ templateName: 'voting01-error-rate-web' }], startingStep: 2, args: [{ name: 'app-name', value: 'voting01-vote-qa' }] }
      const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-bg-gate-'))
      const { stringify } = await import('yaml')
      await (await import('node:fs/promises')).writeFile(path.join(dir, 'rollout.yaml'), stringify(rollout))
      cluster = await startCluster({ rollout })
      // the health check takes 20 minutes: the background analysis fails long before
      cluster.kube.setJobBehavior(() => ({ exitCode: 0, log: 'healthy', durationMs: 20 * 60_000 }))
      const run = await cluster.run({
        inputs: deployInputs({
          plan: `${dir}/rollout.yaml examples/voting01/health-check.yaml examples/voting01/analysis-template.yaml examples/voting01/error-rate-web.yaml`,
          args: `metrics-url=${metrics.url}`
        })
      })
      const report = run.report as unknown as ReportShape
      expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
      expect(report.analyses.map((a) => a.label)).toEqual(['step 3/9', 'background'])
      expect(cluster.kube.events.some((e) => e.weight === 50)).toBe(false)
    } finally {
      await metrics.close()
    }
  })

  it('with on-failure pause, leaves the failed canary paused by a user pause', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 2.68))
    const run = await cluster.run({ inputs: deployInputs({ 'on-failure': 'pause' }) })
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'paused' })
    const live = cluster.kube.getRollout(NAMESPACE, 'vote') as { spec: { paused?: boolean } }
    expect(live.spec.paused).toBe(true)
    expect(rolloutOf(cluster.kube)).toMatchObject({ abort: undefined, weight: 50 })
  })
})

describe('following, timing out, choosing a context', () => {
  it('follows an update already in progress when no image is given', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 0.4))
    const rollout = await seedRollout()
    const spec = rollout.spec as { strategy: { canary: { steps: unknown[] } }; template: { spec: { containers: Array<{ image: string }> } } }
    spec.strategy.canary.steps = spec.strategy.canary.steps.map((step) => ('analysis' in (step as object) ? { pause: {} } : step))
    spec.template.spec.containers[0].image = NEW_IMAGE
    cluster.kube.applyRollout(rollout)
    const inputs = deployInputs()
    delete inputs.image
    const run = await cluster.run({ inputs })
    expect(run.stdout).toContain('no image given: following the update in progress')
    expect(run.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(cluster.kube.requests.filter((r) => r.method === 'PATCH' && r.contentType?.includes('json-patch'))).toEqual([])
  })

  it('ends as Error at the timeout and applies on-failure', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 0.4))
    const run = await cluster.run({ inputs: deployInputs({ timeout: '4m' }) })
    expect(run.outputs).toMatchObject({ verdict: 'Error', outcome: 'aborted' })
    expect(run.summary).toMatch(/did not (finish|reach a verdict) (within|before) the timeout/)
    expect(rolloutOf(cluster.kube)).toMatchObject({ abort: true, weight: 0 })
  })

  it('uses the kubeconfig context it is given', async () => {
    cluster = await startCluster()
    const run = await cluster.run({ inputs: deployInputs({ context: 'other', 'kubectl-timeout': '2s' }) })
    expect(run.outputs.verdict).toBe('Error')
    expect(run.summary).toMatch(/refused|connect/)
    expect(cluster.kube.requests.filter((r) => r.path.includes('rollouts'))).toEqual([])
  })
})

describe('kubectl failing', () => {
  it('retries the API server\'s transient errors and carries on', async () => {
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 0.4))
    cluster.kube.setFault({ verb: 'get', resource: 'rollouts', kind: 'status', code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request', times: 2 })
    const run = await cluster.run({ inputs: deployInputs() })
    expect(run.outputs.verdict).toBe('Successful')
    expect(run.stdout).toMatch(/kubectl get rollout vote: .*unable to handle the request.*; retry 1 in 500ms/)
  })

  it('ends as Error with kubectl\'s own message when the API keeps refusing', async () => {
    cluster = await startCluster()
    cluster.kube.setFault({ verb: 'get', resource: 'rollouts', kind: 'status', code: 403, reason: 'Forbidden', message: 'rollouts.argoproj.io "vote" is forbidden: User "ci" cannot get resource "rollouts"' })
    const run = await cluster.run({ inputs: deployInputs() })
    expect(run.outputs).toMatchObject({ verdict: 'Error', outcome: 'none' })
    expect(run.summary).toContain('forbidden')
  })

  it('bounds each kubectl call by kubectl-timeout when the API server hangs', async () => {
    cluster = await startCluster()
    cluster.kube.setFault({ verb: 'get', resource: 'rollouts', kind: 'hang' })
    const started = Date.now()
    const run = await cluster.run({ inputs: deployInputs({ 'kubectl-timeout': '1s' }) })
    expect(run.outputs.verdict).toBe('Error')
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(run.stdout).toMatch(/retry 1 in 500ms/)
  })

  it('says where to look when the rollout does not exist', async () => {
    cluster = await startCluster()
    const run = await cluster.run({ inputs: deployInputs({ rollout: 'votes' , plan: 'examples/voting01/rollout.yaml examples/voting01/health-check.yaml examples/voting01/analysis-template.yaml' }) })
    expect(run.outputs.verdict).toBe('Error')
    expect(run.summary).toMatch(/rollout votes was not found in namespace voting01-qa/)
  })
})

describe('dry-run', () => {
  it('changes nothing and lists the kubectl commands it would have run', async () => {
    cluster = await startCluster()
    const run = await cluster.run({ inputs: deployInputs({ 'dry-run': 'true' }) })
    expect(cluster.kube.requests.filter((r) => r.method !== 'GET')).toEqual([])
    expect(run.stdout).toMatch(/dry-run, would run: kubectl patch rollout vote -n voting01-qa --type=merge -p '\{"spec":\{"strategy"/)
    expect(run.stdout).toMatch(/dry-run, would run: kubectl patch rollout vote -n voting01-qa --type=json -p '\[\{"op":"test"/)
    expect(run.outputs.outcome).toBe('none')
    expect(rolloutOf(cluster.kube).image).not.toBe(NEW_IMAGE)
  })
})

describe('workflow_dispatch commands', () => {
  it('promote, abort, retry and status report the rollout before and after', async () => {
    const rollout = await seedRollout()
    ;((rollout.spec as { strategy: { canary: { steps: unknown[] } } }).strategy.canary.steps) = [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]
    cluster = await startCluster({ rollout })
    const base = { rollout: 'vote', namespace: NAMESPACE }
    // a human started an update by hand; it waits at the first pause
    cluster.kube.applyRollout({ ...rollout, spec: { ...(rollout.spec as object), template: { metadata: { labels: { app: 'vote' } }, spec: { containers: [{ name: 'vote', image: NEW_IMAGE }] } } } })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const status = await cluster.run({ inputs: { ...base, command: 'status' } })
    expect(status.outputs.verdict).toBe('Inconclusive')
    expect(status.summary).toMatch(/Paused, step 2\/4, canary 20%/)

    const promote = await cluster.run({ inputs: { ...base, command: 'promote' } })
    expect(promote.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(promote.stdout).toMatch(/before: Paused, step 2\/4, canary 20%/)
    expect(promote.stdout).toMatch(/after: .*step (3|4)\/4/)

    const abort = await cluster.run({ inputs: { ...base, command: 'abort' } })
    expect(abort.outputs).toMatchObject({ verdict: 'Successful', outcome: 'aborted' })
    expect(rolloutOf(cluster.kube)).toMatchObject({ phase: 'Degraded', weight: 0 })

    const retry = await cluster.run({ inputs: { ...base, command: 'retry' } })
    expect(retry.outputs.verdict).toBe('Successful')
    expect(rolloutOf(cluster.kube).abort).toBe(false)

    const full = await cluster.run({ inputs: { ...base, command: 'promote', full: 'true' } })
    expect(full.outputs.outcome).toBe('promoted')
    expect(rolloutOf(cluster.kube)).toMatchObject({ phase: 'Healthy', image: NEW_IMAGE })
  })
})
