// commands status, promote, abort and retry on a Deployment whose traffic canary-gate drives, through
// the bundle against the Kubernetes API emulator (real kubectl): a canary left taking traffic (as a
// run stopped on a pause would leave it), decided by a person in a workflow_dispatch run.
import { afterEach, describe, expect, it } from '@jest/globals'
import { kubectl } from '../../emulators/kube/kubectl.js'
import { startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'
import { canaryObjects, toManifest } from '../../emulators/router/fixtures.js'
import { runAction, type ActionRun } from '../../emulators/runner.js'

const NS = 'test'
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0'
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1'
const SCALE = 60

let kube: KubeEmulator | undefined
afterEach(async () => {
  await kube?.close()
  kube = undefined
})

/** podinfo-primary on the old image, podinfo-canary on the new one with 20 % of the traffic. */
async function start(): Promise<(inputs: Record<string, string>) => Promise<ActionRun>> {
  const origin = Date.now()
  kube = await startKubeEmulator({ timeScale: SCALE, origin, readinessSeconds: 10 })
  expect((await kubectl(kube.env, ['apply', '-f', '-'], { input: toManifest(canaryObjects({ primaryImage: OLD, canaryImage: NEW })) })).code).toBe(0)
  const weight = { metadata: { annotations: { 'nginx.ingress.kubernetes.io/canary-weight': '20' } } }
  expect((await kubectl(kube.env, ['patch', 'ingress', 'podinfo-canary', '-n', NS, '--type=merge', '-p', JSON.stringify(weight)])).code).toBe(0)
  const route = { spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'podinfo-primary', port: 80, weight: 80 }, { name: 'podinfo-canary', port: 80, weight: 20 }] }] } }
  expect((await kubectl(kube.env, ['patch', 'httproute', 'podinfo', '-n', NS, '--type=merge', '-p', JSON.stringify(route)])).code).toBe(0)
  const k = kube
  return (inputs) =>
    runAction({
      inputs: { 'target-kind': 'deployment', deployment: 'podinfo', namespace: NS, comment: 'false', ...inputs },
      env: { ...k.env, CANARY_GATE_TIME_SCALE: String(SCALE), CANARY_GATE_TIME_ORIGIN: String(origin), PATH: process.env.PATH ?? '' }
    })
}

const get = (resource: string, name: string): any => kube!.getObject(resource, NS, name) // eslint-disable-line @typescript-eslint/no-explicit-any
const canaryWeight = (): string => get('ingresses', 'podinfo-canary').metadata.annotations['nginx.ingress.kubernetes.io/canary-weight']

describe('promote, abort, retry and status on a Deployment target', () => {
  it('status says in progress; promote needs full: true; promote full copies the canary to the primary; status then says promoted', async () => {
    const run = await start()
    const status = await run({ command: 'status' })
    expect(status.outputs).toMatchObject({ verdict: 'Inconclusive', outcome: 'none' })
    expect(status.summary).toContain('the canary is in progress')
    const stepwise = await run({ command: 'promote' })
    expect(stepwise.exitCode).toBe(1)
    expect(stepwise.stdout).toContain('input "full": must be true to promote a Deployment\'s canary')
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(OLD)
    const retry = await run({ command: 'retry' })
    expect(retry.exitCode).toBe(1)
    expect(retry.stdout).toContain("a Deployment's canary starts again when command run is given the image again")

    const promoted = await run({ command: 'promote', full: 'true' })
    expect(promoted.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(NEW)
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(canaryWeight()).toBe('0')
    const after = await run({ command: 'status' })
    expect(after.outputs).toMatchObject({ verdict: 'Successful' })
    expect(after.summary).toContain('the canary is promoted')
  })

  it('abort puts the weight at 0 (read back) and scales the canary down; status then says rolled back (Failed); a second abort has nothing to do', async () => {
    const run = await start()
    const aborted = await run({ command: 'abort' })
    expect(aborted.outputs).toMatchObject({ verdict: 'Successful', outcome: 'aborted' })
    expect(aborted.stdout).toContain('deployment podinfo rolled back: canary traffic 20% → 0% on ingress podinfo-canary (read back)')
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(OLD)
    const status = await run({ command: 'status' })
    expect(status.outputs).toMatchObject({ verdict: 'Failed' })
    expect(status.summary).toContain('the canary is rolled back')
    const again = await run({ command: 'abort' })
    expect(again.outputs).toMatchObject({ verdict: 'Successful', outcome: 'none' })
    expect(again.summary).toContain('nothing to roll back: the canary is rolled back')
  })

  it('abort on the Gateway API: the HTTPRoute back at 100/0', async () => {
    const run = await start()
    const aborted = await run({ command: 'abort', router: 'gateway-api' })
    expect(aborted.outputs).toMatchObject({ verdict: 'Successful', outcome: 'aborted' })
    expect(get('httproutes', 'podinfo').spec.rules[0].backendRefs.map((r: { weight: number }) => r.weight)).toEqual([100, 0])
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
  })
})
