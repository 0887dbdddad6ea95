// The Deployment target in process over the real kubectl against the Kubernetes API emulator: the
// canary made from the primary's template, weights written and read back on the nginx canary Ingress
// and the HTTPRoute, a verified rollback, a promotion, and clear errors for missing objects.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { kubectl as run } from '../../emulators/kube/kubectl.js'
import { startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'
import { canaryObjects, toManifest } from '../../emulators/router/fixtures.js'
import { actionsExec, Kubectl, type Exec } from '../../src/kube/kubectl.js'
import { memoryLogger } from '../../src/log.js'
import type { PlanStep } from '../../src/plan/rollout.js'
import { DeploymentTarget } from '../../src/targets/deployment.js'

const NS = 'test'
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1'
const steps: PlanStep[] = [{ kind: 'setWeight', weight: 20 }, { kind: 'setWeight', weight: 50 }]
let emu: KubeEmulator

beforeAll(async () => {
  emu = await startKubeEmulator({ timeScale: 20, readinessSeconds: 2 })
  const objects = canaryObjects({ namespace: NS }).filter((o) => !(o.kind === 'Deployment' && (o.metadata as { name: string }).name === 'podinfo-canary'))
  // Without the canary Ingress: the target clones it from the main one.
  const withoutCanaryIngress = objects.filter((o) => !(o.kind === 'Ingress' && (o.metadata as { name: string }).name === 'podinfo-canary'))
  expect((await run(emu.env, ['apply', '-f', '-'], { input: toManifest(withoutCanaryIngress) })).code).toBe(0)
})
afterAll(async () => {
  await emu?.close()
})

function target(options: Partial<ConstructorParameters<typeof DeploymentTarget>[0]> = {}): DeploymentTarget {
  const log = memoryLogger()
  // kubectl as the action runs it, pointed at the emulator.
  const exec: Exec = (program, args, o) => actionsExec(program, args, { ...o, env: { ...(process.env as Record<string, string>), ...emu.env } })
  return new DeploymentTarget({ kubectl: new Kubectl({ log, clock: emu.clock, exec }), name: 'podinfo', namespace: NS, log, clock: emu.clock, steps, router: 'nginx', pollMs: 1000, ...options })
}
const get = (resource: string, name: string): any => emu.getObject(resource, NS, name) // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the Deployment target', () => {
  it('starts the canary from the primary, moves the nginx weight (read back), and rolls back verified', async () => {
    const t = target()
    const before = await t.read()
    expect(before).toMatchObject({ weight: 0, stepIndex: undefined, updating: false, containers: [{ name: 'podinfo', image: 'ghcr.io/stefanprodan/podinfo:6.0.0' }] })
    await t.startRevision('podinfo', NEW, before)
    const canary = get('deployments', 'podinfo-canary')
    expect(canary.spec.replicas).toBe(2)
    expect(canary.spec.selector).toEqual({ matchLabels: { app: 'podinfo-canary' } })
    expect(canary.spec.template.metadata.labels).toEqual({ app: 'podinfo-canary' })
    expect(canary.spec.template.spec.containers[0].image).toBe(NEW)
    // the canary Ingress, cloned from the main one, at weight 0
    expect(get('ingresses', 'podinfo-canary').metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '0' })
    expect(get('ingresses', 'podinfo-canary').spec.rules[0].http.paths[0].backend.service.name).toBe('podinfo-canary')

    const { ready, state } = await t.waitReady({ clock: emu.clock, pollMs: 1000, until: emu.clock.now() + 120_000 })
    expect(ready).toBe(true)
    expect(state).toMatchObject({ stepIndex: 0, canaryRevision: NEW, updating: true })
    await t.setWeight(20)
    expect((await t.read()).weight).toBe(20)

    const { record, state: after } = await t.abort('test', await t.read(), { clock: emu.clock, pollMs: 1000, confirmMs: 60_000 })
    expect(record).toMatchObject({ weightBefore: 20, weightAfter: 0, confirmedAt: expect.any(Number) })
    expect(after).toMatchObject({ weight: 0, aborted: true })
    expect(get('ingresses', 'podinfo-canary').metadata.annotations['nginx.ingress.kubernetes.io/canary-weight']).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
  })

  it('on the HTTPRoute: weights 70/30, then the promotion: primary on the new image, 100/0, canary at 0', async () => {
    const t = target({ router: 'gateway-api' })
    await t.startRevision('podinfo', NEW, await t.read())
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(2)
    await t.waitReady({ clock: emu.clock, pollMs: 1000, until: emu.clock.now() + 120_000 })
    await t.setWeight(30)
    expect(get('httproutes', 'podinfo').spec.rules[0].backendRefs.map((r: { name: string; weight: number }) => `${r.name}=${r.weight}`)).toEqual(['podinfo-primary=70', 'podinfo-canary=30'])
    await t.promote(false, await t.read())
    expect((await t.read()).stepIndex).toBe(1)
    await t.promote(false, await t.read())
    const done = await t.read()
    expect(done).toMatchObject({ completed: true, weight: 0, stableRevision: NEW })
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(NEW)
    expect(get('deployments', 'podinfo-primary').spec.template.metadata.labels).toEqual({ app: 'podinfo-primary' })
    expect(get('httproutes', 'podinfo').spec.rules[0].backendRefs.map((r: { weight: number }) => r.weight)).toEqual([100, 0])
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
  })

  it('A/B on nginx: the matched requests go to the canary (read back as 100), the rollback takes the match away', async () => {
    const t = target({ match: [{ header: 'x-canary', exact: 'insider' }] })
    await t.startRevision('podinfo', NEW, await t.read())
    await t.waitReady({ clock: emu.clock, pollMs: 1000, until: emu.clock.now() + 120_000 })
    await t.setWeight(100)
    expect(get('ingresses', 'podinfo-canary').metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '0',
      'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary',
      'nginx.ingress.kubernetes.io/canary-by-header-value': 'insider'
    })
    const during = await t.read()
    expect(during.weight).toBe(100)
    const { record } = await t.abort('test', during, { clock: emu.clock, pollMs: 1000, confirmMs: 60_000 })
    expect(record).toMatchObject({ weightBefore: 100, weightAfter: 0 })
    const annotations = get('ingresses', 'podinfo-canary').metadata.annotations
    expect(annotations['nginx.ingress.kubernetes.io/canary-by-header']).toBeUndefined()
    expect(annotations['nginx.ingress.kubernetes.io/canary-weight']).toBe('0')
  })

  it('A/B on the HTTPRoute: rule 0 sends the matched requests to the canary, rule 1 the rest to the primary; the rollback routes both to the primary', async () => {
    const t = target({ router: 'gateway-api', match: [{ header: 'cookie', regex: '^(.*?;)?(canary=always)(;.*)?$' }] })
    await t.startRevision('podinfo', NEW, await t.read())
    await t.waitReady({ clock: emu.clock, pollMs: 1000, until: emu.clock.now() + 120_000 })
    await t.setWeight(100)
    const rules = get('httproutes', 'podinfo').spec.rules
    expect(rules[0].matches[0].headers).toEqual([{ name: 'cookie', type: 'RegularExpression', value: '^(.*?;)?(canary=always)(;.*)?$' }])
    expect(rules.map((r: { backendRefs: Array<{ weight: number }> }) => r.backendRefs.map((b) => b.weight))).toEqual([[0, 100], [100, 0]])
    expect((await t.read()).weight).toBe(100)
    await t.abort('test', await t.read(), { clock: emu.clock, pollMs: 1000, confirmMs: 60_000 })
    expect(get('httproutes', 'podinfo').spec.rules.map((r: { backendRefs: Array<{ weight: number }> }) => r.backendRefs.map((b) => b.weight))).toEqual([[100, 0], [100, 0]])
    expect((await t.read()).weight).toBe(0)
  })

  it('says which object is missing', async () => {
    await expect(target({ name: 'nothing' }).read()).rejects.toThrow('deployment nothing-primary (or nothing) was not found in namespace test')
    const t = target({ ingress: 'web' })
    await expect(t.startRevision('podinfo', NEW, await t.read())).rejects.toThrow('ingress web was not found in namespace test: set the input "ingress"')
    const r = target({ router: 'gateway-api', route: 'web' })
    await expect(r.read()).rejects.toThrow('httproute web was not found in namespace test: set the input "route"')
  })

  it('a plain Deployment <name> behind Service <name> is the primary when there is no <name>-primary', async () => {
    const plain = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS, labels: { app: 'web' } }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-canary', namespace: NS }, spec: { selector: { app: 'web-canary' }, ports: [{ port: 80 }] } },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: NS }, spec: { parentRefs: [{ name: 'gateway' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } }
    ]
    expect((await run(emu.env, ['apply', '-f', '-'], { input: toManifest(plain) })).code).toBe(0)
    const t = target({ name: 'web', router: 'gateway-api', steps: [{ kind: 'setWeight', weight: 10 }] })
    await t.startRevision('web', 'nginx:1.28', await t.read())
    expect(t.primaryName).toBe('web')
    expect(get('deployments', 'web-canary').spec.template.metadata.labels).toEqual({ app: 'web-canary' })
    await t.waitReady({ clock: emu.clock, pollMs: 1000, until: emu.clock.now() + 120_000 })
    await t.setWeight(10)
    expect(get('httproutes', 'web').spec.rules[0].backendRefs.map((r: { name: string; weight: number }) => `${r.name}=${r.weight}`)).toEqual(['web=90', 'web-canary=10'])
    await t.promote(false, await t.read())
    expect(await t.read()).toMatchObject({ completed: true, weight: 0, stableRevision: 'nginx:1.28' })
    expect(get('deployments', 'web').spec.template.metadata.labels).toEqual({ app: 'web' })
  })
})
