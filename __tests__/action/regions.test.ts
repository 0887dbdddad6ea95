// Several regions in one gate, through the bundle as the runner runs it: two emulated clusters (one
// kubeconfig, a context each) and two metric backends, us-east's canary failing. First-then-rest
// promotes eu-west and then aborts us-east; parallel aborts eu-west because us-east failed.
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import { startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'
import { runAction } from '../../emulators/runner.js'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'
import { NAMESPACE, NEW_IMAGE, rolloutOf, seedRollout } from '../support/cluster.js'

const SCALE = 120
let closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.map((close) => close()))
  closers = []
})

interface Region {
  kube: KubeEmulator
  metrics: SeedMetricsServer
}

/** Two regions, each a cluster and a metrics endpoint, one kubeconfig with a context per cluster; the plan written to a temporary folder. */
async function twoRegions(): Promise<{ eu: Region; us: Region; env: Record<string, string>; plan: string }> {
  const origin = Date.now()
  const rollout = await seedRollout()
  const canary = (rollout.spec as { strategy: { canary: Record<string, unknown> } }).strategy.canary
  canary.steps = [{ setWeight: 20 }, { pause: { duration: '1m' } }, { analysis: { templates: [{ templateName: 'error-rate' }], args: [{ name: 'app-name', value: 'voting01-vote-qa' }] } }, { setWeight: 100 }]
  const region = async (errorRate: number): Promise<Region> => {
    const kube = await startKubeEmulator({ timeScale: SCALE, origin })
    kube.applyRollout(structuredClone(rollout))
    const metrics = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate } } })
    closers.push(() => kube.close(), () => metrics.close())
    return { kube, metrics }
  }
  const [eu, us] = await Promise.all([region(0.4), region(2.68)])
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-regions-'))
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'eu', cluster: { server: eu.kube.url } },
      { name: 'us', cluster: { server: us.kube.url } }
    ],
    users: [{ name: 'emulator', user: { token: 'emulator-token' } }],
    contexts: [
      { name: 'eu-west-1', context: { cluster: 'eu', user: 'emulator' } },
      { name: 'us-east-1', context: { cluster: 'us', user: 'emulator' } }
    ],
    'current-context': 'eu-west-1'
  }
  await writeFile(path.join(dir, 'kubeconfig'), stringify(kubeconfig))
  await writeFile(path.join(dir, 'rollout.yaml'), stringify(rollout))
  // The seed's web error-rate metric, measured three times a minute apart, failing at the first bad reading.
  const template = (await readFile('examples/voting01/error-rate-web.yaml', 'utf8')).replace('name: voting01-error-rate-web', 'name: error-rate').replace('count: 2', 'count: 3').replace('failureLimit: 1', 'failureLimit: 0')
  await writeFile(path.join(dir, 'error-rate.yaml'), template)
  const env = { KUBECONFIG: path.join(dir, 'kubeconfig'), KUBECACHEDIR: eu.kube.env.KUBECACHEDIR, CANARY_GATE_TIME_SCALE: String(SCALE), CANARY_GATE_TIME_ORIGIN: String(origin) }
  return { eu, us, env, plan: `${dir}/rollout.yaml ${dir}/error-rate.yaml` }
}

function inputs(plan: string, eu: Region, us: Region, extra: Record<string, string> = {}): Record<string, string> {
  return {
    command: 'run',
    rollout: 'vote',
    namespace: NAMESPACE,
    image: `vote=${NEW_IMAGE}`,
    plan,
    'poll-interval': '10s',
    args: 'app-name=voting01-vote-qa',
    targets: [`- name: eu-west`, `  kube-context: eu-west-1`, `  args: metrics-url=${eu.metrics.url}`, `- name: us-east`, `  kube-context: us-east-1`, `  args: metrics-url=${us.metrics.url}`].join('\n'),
    ...extra
  }
}

describe('several regions in one gate', () => {
  it('first-then-rest: eu-west promoted first, then us-east fails and is aborted; the gate is Failed', async () => {
    const { eu, us, env, plan } = await twoRegions()
    const run = await runAction({ inputs: inputs(plan, eu, us), env })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted', 'failed-metrics': 'error-rate' })
    expect(JSON.parse(run.outputs.targets)).toMatchObject([
      { name: 'eu-west', verdict: 'Successful', outcome: 'promoted', context: 'eu-west-1' },
      { name: 'us-east', verdict: 'Failed', outcome: 'aborted', context: 'us-east-1' }
    ])
    // Each cluster got its own canary, measured on its own backend.
    expect(rolloutOf(eu.kube)).toMatchObject({ phase: 'Healthy', image: NEW_IMAGE })
    expect(rolloutOf(us.kube)).toMatchObject({ abort: true, weight: 0 })
    expect(us.kube.events.some((e) => e.weight === 100)).toBe(false)
    expect(eu.metrics.requests.length).toBe(3)
    expect(us.metrics.requests.length).toBe(1)
    // us-east started only after eu-west was promoted.
    expect(run.stdout.indexOf('[us-east] starting (second wave)')).toBeGreaterThan(run.stdout.indexOf('[eu-west] Successful, promoted'))
    // The summary: the table across targets, then a section per target.
    expect(run.summary).toContain('| Target | Context / namespace | Verdict | Outcome | Deciding reason | Duration |')
    expect(run.summary).toMatch(/\| ✅ eu-west \| <code>eu-west-1<\/code> \/ <code>voting01-qa<\/code> \| Successful \| promoted \|/)
    expect(run.summary).toMatch(/\| ❌ us-east \| <code>us-east-1<\/code> \/ <code>voting01-qa<\/code> \| Failed \| aborted \| error-rate 2\.68 &gt; 2 \|/)
    expect(run.summary).toContain('eu-west was promoted in the first wave, and a promoted target cannot be un-promoted')
    const table = run.summary.indexOf('### Targets')
    const euSection = run.summary.indexOf('## ✅ eu-west — context <code>eu-west-1</code>')
    const usSection = run.summary.indexOf('## ❌ us-east — context <code>us-east-1</code>')
    expect(table).toBeGreaterThan(0)
    expect(euSection).toBeGreaterThan(table)
    expect(usSection).toBeGreaterThan(euSection)
    expect(run.summary.slice(usSection)).toContain('| error-rate |')
    const report = run.report as { targets: Array<{ name: string; verdict: string; analyses: unknown[] }> }
    expect(report.targets.map((t) => [t.name, t.verdict, t.analyses.length])).toEqual([
      ['eu-west', 'Successful', 1],
      ['us-east', 'Failed', 1]
    ])
    // The post step could abort either: one started state per target.
    expect(JSON.parse(run.state.canary).map((s: { target: string; context: string }) => [s.target, s.context])).toEqual([
      ['eu-west', 'eu-west-1'],
      ['us-east', 'us-east-1']
    ])
  })

  it('parallel: us-east failing aborts eu-west, reported as us-east’s failure', async () => {
    const { eu, us, env, plan } = await twoRegions()
    const run = await runAction({ inputs: inputs(plan, eu, us, { waves: 'parallel' }), env })
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(JSON.parse(run.outputs.targets)).toMatchObject([
      { name: 'eu-west', outcome: 'aborted', reason: 'aborted because us-east failed' },
      { name: 'us-east', verdict: 'Failed', outcome: 'aborted' }
    ])
    expect(rolloutOf(eu.kube)).toMatchObject({ abort: true, weight: 0 })
    expect(rolloutOf(us.kube)).toMatchObject({ abort: true, weight: 0 })
    expect(eu.kube.events.some((e) => e.weight === 100)).toBe(false)
    expect(run.stdout).toContain('[eu-west] aborted because us-east failed: stopping it')
    expect(run.summary).toMatch(/\| ❔ eu-west \| <code>eu-west-1<\/code> \/ <code>voting01-qa<\/code> \| Inconclusive \| aborted \| aborted because us-east failed \|/)
    expect(run.summary).not.toContain('the workflow was cancelled')
  })

  it('the post step aborts every target a killed main step had started, each in its own cluster', async () => {
    const { eu, us, env, plan } = await twoRegions()
    const both = (log: string): boolean => /\[eu-west\] step 2\/4 pause 1m/.test(log) && /\[us-east\] step 2\/4 pause 1m/.test(log)
    const main = await runAction({ inputs: inputs(plan, eu, us, { waves: 'parallel' }), env, cancel: { signal: 'SIGKILL', when: both } })
    expect(main.signal).toBe('SIGKILL')
    expect(rolloutOf(eu.kube).abort).toBeUndefined()
    expect(rolloutOf(us.kube).abort).toBeUndefined()
    const post = await runAction({ inputs: inputs(plan, eu, us, { waves: 'parallel' }), env, post: { state: main.state } })
    expect(post.exitCode).toBe(0)
    expect(rolloutOf(eu.kube)).toMatchObject({ abort: true, weight: 0 })
    expect(rolloutOf(us.kube)).toMatchObject({ abort: true, weight: 0 })
    expect(post.summary).toContain('aborted rollout vote in voting01-qa (target eu-west, context eu-west-1): canary traffic 20% → 0%')
    expect(post.summary).toContain('aborted rollout vote in voting01-qa (target us-east, context us-east-1): canary traffic 20% → 0%')
  })
})
