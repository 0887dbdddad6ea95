// Deployments, ReplicaSets, pods, Services, Ingresses and HTTPRoutes in the Kubernetes API emulator,
// driven by the real kubectl.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { kubectl, waitUntil } from '../../emulators/kube/kubectl.js'
import { deploymentPodHash, startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'
import { canaryObjects, toManifest } from '../../emulators/router/fixtures.js'

const NS = 'test'
let emu: KubeEmulator
const k = (args: string[], input?: string) => kubectl(emu.env, args, { input })
const json = (text: string): any => JSON.parse(text)

beforeAll(async () => {
  emu = await startKubeEmulator({ timeScale: 20, readinessSeconds: 4 })
  const applied = await k(['apply', '-f', '-'], toManifest(canaryObjects()))
  expect(applied.stderr).toBe('')
})
afterAll(() => emu?.close())

describe('Deployments', () => {
  it('apply creates ReplicaSets and pods labelled with the pod-template hash; rollout status waits for readiness', async () => {
    const status = await k(['rollout', 'status', 'deployment/podinfo-primary', '-n', NS, '--timeout=30s'])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/deployment "podinfo-primary" successfully rolled out\n$/)
    const d = json((await k(['get', 'deployment', 'podinfo-primary', '-n', NS, '-o', 'json'])).stdout)
    const hash = deploymentPodHash(d.spec.template)
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })
    expect(d.status.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`).sort()).toEqual(['Available=True/MinimumReplicasAvailable', 'Progressing=True/NewReplicaSetAvailable'])
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1')

    const rs = json((await k(['get', 'rs', '-n', NS, '-l', 'app=podinfo-primary', '-o', 'json'])).stdout).items
    expect(rs.map((r: any) => r.metadata.name)).toEqual([`podinfo-primary-${hash}`])
    const pods = json((await k(['get', 'pods', '-n', NS, '-l', `pod-template-hash=${hash}`, '-o', 'json'])).stdout).items
    expect(pods).toHaveLength(2)
    expect(pods.every((p: any) => p.metadata.name.startsWith(`podinfo-primary-${hash}-`) && p.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'))).toBe(true)

    const table = await k(['get', 'deploy', '-n', NS])
    expect(table.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\npodinfo-canary\s+\d\/2/)
  })

  it('set image rolls out a new ReplicaSet (strategic merge keeps the other container fields) and rollout status follows it', async () => {
    await k(['rollout', 'status', 'deployment/podinfo-canary', '-n', NS, '--timeout=30s'])
    const set = await k(['set', 'image', 'deployment/podinfo-canary', 'podinfo=ghcr.io/stefanprodan/podinfo:6.0.2', '-n', NS])
    expect(set.stdout).toBe('deployment.apps/podinfo-canary image updated\n')
    expect(emu.requests.filter((r) => r.method === 'PATCH').pop()?.contentType).toBe('application/strategic-merge-patch+json')
    const status = await k(['rollout', 'status', 'deployment/podinfo-canary', '-n', NS, '--timeout=30s'])
    expect(status.code).toBe(0)
    const d = emu.getObject('deployments', NS, 'podinfo-canary') as any
    expect(d.spec.template.spec.containers).toEqual([{ name: 'podinfo', image: 'ghcr.io/stefanprodan/podinfo:6.0.2', ports: [{ name: 'http', containerPort: 9898 }] }])
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2')
    const replicaSets = emu.listObjects('replicasets', NS).filter((r: any) => r.metadata.name.startsWith('podinfo-canary-'))
    expect(replicaSets.map((r: any) => r.spec.replicas).sort()).toEqual([0, 2])
    const pods = emu.listObjects('pods', NS).filter((p: any) => p.metadata.labels.app === 'podinfo-canary')
    expect(pods.map((p: any) => p.spec.containers[0].image)).toEqual(['ghcr.io/stefanprodan/podinfo:6.0.2', 'ghcr.io/stefanprodan/podinfo:6.0.2'])
  })

  it('scale goes through the scale subresource; pods follow', async () => {
    const scaled = await k(['scale', 'deployment/podinfo-canary', '--replicas=3', '-n', NS])
    expect(scaled.stdout).toBe('deployment.apps/podinfo-canary scaled\n')
    expect(emu.requests.filter((r) => r.method === 'PATCH').pop()?.path).toBe(`/apis/apps/v1/namespaces/${NS}/deployments/podinfo-canary/scale`)
    await waitUntil('3 ready', () => (emu.getObject('deployments', NS, 'podinfo-canary') as any).status.readyReplicas === 3, 10_000)
    const scale = json((await k(['get', '--raw', `/apis/apps/v1/namespaces/${NS}/deployments/podinfo-canary/scale`])).stdout)
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=podinfo-canary' } })
    await k(['scale', 'deployment/podinfo-canary', '--replicas=1', '-n', NS])
    await waitUntil('1 pod', () => emu.listObjects('pods', NS).filter((p: any) => p.metadata.labels.app === 'podinfo-canary').length === 1, 10_000)
  })

  it('strategic merge patches merge env by name; json patches work; a pod that never gets ready stalls rollout status', async () => {
    const env = await k(['patch', 'deployment', 'podinfo-primary', '-n', NS, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"podinfo","env":[{"name":"A","value":"1"}]}]}}}}'])
    expect(env.code).toBe(0)
    const containers = (emu.getObject('deployments', NS, 'podinfo-primary') as any).spec.template.spec.containers
    expect(containers).toEqual([{ name: 'podinfo', image: 'ghcr.io/stefanprodan/podinfo:6.0.0', ports: [{ name: 'http', containerPort: 9898 }], env: [{ name: 'A', value: '1' }] }])
    await waitUntil('env rolled out', () => (emu.getObject('deployments', NS, 'podinfo-primary') as any).status.replicas === 2, 10_000)
    emu.setPodReadiness((pod) => (pod.spec.containers[0].image === 'podinfo:never-ready' ? null : 4))
    const jsonPatch = await k(['patch', 'deployment', 'podinfo-primary', '-n', NS, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"podinfo:never-ready"}]'])
    expect(jsonPatch.code).toBe(0)
    const stalled = await k(['rollout', 'status', 'deployment/podinfo-primary', '-n', NS, '--timeout=2s'])
    expect(stalled.code).not.toBe(0)
    expect(stalled.stdout).toMatch(/2 old replicas are pending termination/)
    // The old pods keep serving while the new ones are not ready.
    expect((emu.getObject('deployments', NS, 'podinfo-primary') as any).status).toMatchObject({ replicas: 4, updatedReplicas: 2, availableReplicas: 2 })
    await k(['set', 'image', 'deployment/podinfo-primary', 'podinfo=ghcr.io/stefanprodan/podinfo:6.0.0', '-n', NS])
  })

  it('deleting a Deployment deletes its ReplicaSets and pods', async () => {
    const removed = await k(['delete', 'deployment', 'podinfo-canary', '-n', NS])
    expect(removed.stdout).toBe('deployment.apps "podinfo-canary" deleted\n')
    await waitUntil('gone', () => emu.listObjects('pods', NS).every((p: any) => p.metadata.labels.app !== 'podinfo-canary') && emu.listObjects('replicasets', NS).every((r: any) => !r.metadata.name.startsWith('podinfo-canary')))
  })
})

describe('Services, Ingresses and HTTPRoutes', () => {
  it('a Service gets a cluster IP and TCP ports', async () => {
    const svc = json((await k(['get', 'svc', 'podinfo-primary', '-n', NS, '-o', 'json'])).stdout)
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: expect.stringMatching(/^10\.96\./), ports: [{ name: 'http', port: 80, targetPort: 9898, protocol: 'TCP' }] })
  })

  it('annotates the canary Ingress (merge patch) and reads it back', async () => {
    const annotated = await k(['annotate', 'ingress', 'podinfo-canary', '-n', NS, '--overwrite', 'nginx.ingress.kubernetes.io/canary-weight=20'])
    expect(annotated.stdout).toBe('ingress.networking.k8s.io/podinfo-canary annotated\n')
    const got = json((await k(['get', 'ing', 'podinfo-canary', '-n', NS, '-o', 'json'])).stdout)
    expect(got.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '20' })
    const table = await k(['get', 'ingress', '-n', NS])
    expect(table.stdout).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\npodinfo\s+nginx\s+podinfo\.example\.com/)
  })

  it('HTTPRoute: merge and json patches of the weights; strategic merge is refused as for any custom resource', async () => {
    const weights = [
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 80 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 20 }
    ]
    const patched = await k(['patch', 'httproute', 'podinfo', '-n', NS, '--type', 'json', '-p', JSON.stringify(weights), '-o', 'json'])
    expect(json(patched.stdout).spec.rules[0].backendRefs.map((b: any) => b.weight)).toEqual([80, 20])
    expect(json(patched.stdout).metadata.generation).toBe(2)
    const strategic = await k(['patch', 'httproute', 'podinfo', '-n', NS, '-p', '{"spec":{"hostnames":["x"]}}'])
    expect(strategic.code).not.toBe(0)
    expect(strategic.stderr).toContain('application/strategic-merge-patch+json is not supported')
    const merged = await k(['patch', 'httproute', 'podinfo', '-n', NS, '--type', 'merge', '-p', '{"spec":{"hostnames":["a.example.com"]}}', '-o', 'json'])
    expect(json(merged.stdout).spec.hostnames).toEqual(['a.example.com'])
  })
})
