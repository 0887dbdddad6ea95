// The Kubernetes API server emulator, driven by the real kubectl (the Google Cloud SDK dispatcher at
// /usr/bin/kubectl, which execs kubectl 1.32 for this server).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { clockFromEnv } from '../../src/clock.js'
import { seedRollout } from '../../emulators/kube/fixtures.js'
import { kubectl, waitUntil } from '../../emulators/kube/kubectl.js'
import { podTemplateHash, startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'

const NS = 'voting01-qa'
let emu: KubeEmulator
const k = (args: string[], input?: string) => kubectl(emu.env, args, { input })
const json = (text: string): any => JSON.parse(text)

beforeAll(async () => {
  emu = await startKubeEmulator({ timeScale: 600 })
  emu.applyRollout(seedRollout())
})
afterAll(() => emu?.close())

describe('discovery and version', () => {
  it('answers the dispatcher and kubectl version, then serves aggregated discovery', async () => {
    const version = await k(['version', '-o', 'json'])
    expect(version.code).toBe(0)
    expect(json(version.stdout).serverVersion).toMatchObject({ major: '1', minor: '32' })
    // The gcloud dispatcher asks /version first (its cache is private to this emulator), then runs kubectl 1.32.
    const agents = emu.requests.map((r) => `${r.path} ${r.userAgent}`)
    expect(agents[0]).toMatch(/^\/version kubectl-dispatcher\//)
    expect(agents.slice(1).every((a) => a.includes('kubectl/v1.32'))).toBe(true)

    const list = await k(['get', 'rollouts', '-A', '-o', 'json'])
    expect(list.code).toBe(0)
    expect(json(list.stdout).items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([`${NS}/vote`])
    const discovery = emu.requests.filter((r) => r.path === '/api' || r.path === '/apis')
    expect(discovery.length).toBeGreaterThan(0)
    // Aggregated discovery covers everything: no per-group-version documents were needed.
    expect(emu.requests.some((r) => r.path === '/apis/argoproj.io/v1alpha1')).toBe(false)
  })

  it('knows the short name ro and prints tables', async () => {
    const table = await k(['get', 'ro', '-n', NS])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nvote\s+3\s+3\s+3\s+3\s+/)
  })

  it('serves the per-group documents when aggregated discovery is off', async () => {
    const legacy = await startKubeEmulator({ aggregatedDiscovery: false })
    try {
      legacy.applyRollout(seedRollout())
      const result = await kubectl(legacy.env, ['get', 'rollout', 'vote', '-n', NS, '-o', 'json'])
      expect(result.code).toBe(0)
      expect(json(result.stdout).status.phase).toBe('Healthy')
      expect(legacy.requests.some((r) => r.path === '/apis/argoproj.io/v1alpha1')).toBe(true)
    } finally {
      await legacy.close()
    }
  })
})

describe('get and patch', () => {
  it('gets a Rollout and reports a missing one as NotFound', async () => {
    const got = await k(['get', 'rollout', 'vote', '-n', NS, '-o', 'json'])
    expect(got.code).toBe(0)
    const ro = json(got.stdout)
    expect(ro.status).toMatchObject({ phase: 'Healthy', stableRS: podTemplateHash(ro.spec.template), currentStepIndex: 9 })

    const missing = await k(['get', 'rollout', 'nope', '-n', NS, '-o', 'json'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('Error from server (NotFound): rollouts.argoproj.io "nope" not found')
  })

  it('merge-patches the spec, ignoring status, bumping generation and resourceVersion', async () => {
    const before = emu.getRollout(NS, 'vote') as any
    const patched = await k(['patch', 'rollout', 'vote', '-n', NS, '--type', 'merge', '-p', '{"spec":{"revisionHistoryLimit":5},"status":{"phase":"Bogus"}}', '-o', 'json'])
    expect(patched.code).toBe(0)
    const ro = json(patched.stdout)
    expect(ro.spec.revisionHistoryLimit).toBe(5)
    expect(ro.status.phase).toBe('Healthy')
    expect(ro.metadata.generation).toBe(before.metadata.generation + 1)
    expect(Number(ro.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion))
    // The controller observes the new generation (as a string, like Argo).
    await waitUntil('observedGeneration', () => (emu.getRollout(NS, 'vote') as any).status.observedGeneration === String(ro.metadata.generation))
  })

  it('json-patches with test, add, replace, move, copy and remove', async () => {
    const ops = [
      { op: 'test', path: '/spec/revisionHistoryLimit', value: 5 },
      { op: 'add', path: '/metadata/labels/team', value: 'platform' },
      { op: 'copy', from: '/metadata/labels/team', path: '/metadata/labels/owner' },
      { op: 'move', from: '/metadata/labels/owner', path: '/metadata/labels/contact' },
      { op: 'replace', path: '/spec/revisionHistoryLimit', value: 4 },
      { op: 'remove', path: '/metadata/labels/team' }
    ]
    const patched = await k(['patch', 'rollout', 'vote', '-n', NS, '--type', 'json', '-p', JSON.stringify(ops), '-o', 'json'])
    expect(patched.code).toBe(0)
    const ro = json(patched.stdout)
    expect(ro.spec.revisionHistoryLimit).toBe(4)
    expect(ro.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'voting01', contact: 'platform' })
  })

  it('rejects a failing test operation with 422 Invalid and changes nothing', async () => {
    const before = emu.getRollout(NS, 'vote') as any
    const failed = await k(['patch', 'rollout', 'vote', '-n', NS, '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":1}]'])
    expect(failed.code).not.toBe(0)
    expect(failed.stderr).toContain('testing value /spec/replicas failed: test failed')
    const patch = emu.requests.filter((r) => r.method === 'PATCH').pop()
    expect(patch?.contentType).toBe('application/json-patch+json')
    expect((emu.getRollout(NS, 'vote') as any).metadata.resourceVersion).toBe(before.metadata.resourceVersion)
  })

  it('patches the status subresource (merge and json), ignoring spec there', async () => {
    const merge = await k(['patch', 'rollout', 'vote', '-n', NS, '--subresource', 'status', '--type', 'merge', '-p', '{"spec":{"replicas":7},"status":{"message":"from a test"}}', '-o', 'json'])
    expect(merge.code).toBe(0)
    expect(json(merge.stdout).spec.replicas).toBe(3)
    expect(json(merge.stdout).status.message).toBe('from a test')
    const request = emu.requests.filter((r) => r.method === 'PATCH').pop()
    expect(request).toMatchObject({ path: `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/vote/status`, contentType: 'application/merge-patch+json' })

    const jsonPatch = await k(['patch', 'rollout', 'vote', '-n', NS, '--subresource', 'status', '--type', 'json', '-p', '[{"op":"replace","path":"/status/message","value":"json"},{"op":"replace","path":"/spec/replicas","value":8}]', '-o', 'json'])
    expect(jsonPatch.code).toBe(0)
    expect(json(jsonPatch.stdout).status.message).toBe('json')
    expect(json(jsonPatch.stdout).spec.replicas).toBe(3)
  })

  it('applies manifests and rejects strategic merge patches on the custom resource', async () => {
    const manifest = seedRollout({ name: 'api', steps: [{ setWeight: 50 }, { pause: {} }] })
    const applied = await k(['apply', '-f', '-'], JSON.stringify(manifest))
    expect(applied.stdout).toContain('rollout.argoproj.io/api created')
    await waitUntil('api healthy', () => (emu.getRollout(NS, 'api') as any)?.status?.phase === 'Healthy')
    const strategic = await k(['patch', 'rollout', 'api', '-n', NS, '-p', '{"spec":{"paused":true}}'])
    expect(strategic.code).not.toBe(0)
    expect(strategic.stderr).toContain('application/strategic-merge-patch+json is not supported')
  })
})

describe('jobs, pods and logs', () => {
  const job = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { generateName: 'canary-gate-error-rate-', namespace: NS, labels: { 'canary-gate/metric': 'error-rate' } },
      spec: {
        backoffLimit: 1,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'curlimages/curl:8.10.1', command: ['sh', '-c', 'echo ok'] }] } },
        ...extra
      }
    })

  it('creates a Job from stdin with generateName, runs its pod and serves its logs', async () => {
    emu.setJobBehavior((j: any) => ({ exitCode: 0, log: `Querying...\n{"errorRate": 0.4}\nfor ${j.metadata.name}`, durationMs: 300_000 }))
    const created = await k(['create', '-f', '-', '-o', 'json'], job())
    expect(created.code).toBe(0)
    const object = json(created.stdout)
    const name: string = object.metadata.name
    expect(name).toMatch(/^canary-gate-error-rate-[a-z0-9]{5}$/)
    expect(object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(object.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': object.metadata.uid } })
    expect(object.spec.template.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': name, 'job-name': name })
    expect(emu.requests.find((r) => r.method === 'POST')?.query).toContain('fieldValidation=Strict')

    // The pod is there at once, running.
    const pods = await k(['get', 'pods', '-n', NS, '-l', `job-name=${name}`, '-o', 'json'])
    expect(json(pods.stdout).items).toHaveLength(1)
    const pod = json(pods.stdout).items[0]
    expect(pod.status.phase).toBe('Running')

    // 5 minutes of clock time is 0.5 s at 600×.
    let status: any
    for (let attempt = 0; attempt < 50; attempt++) {
      status = json((await k(['get', 'job', name, '-n', NS, '-o', 'json'])).stdout).status
      if (status.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True')) break
    }
    expect(status.succeeded).toBe(1)
    const logs = await k(['logs', `job/${name}`, '-n', NS])
    expect(logs.code).toBe(0)
    expect(logs.stdout).toBe(`Querying...\n{"errorRate": 0.4}\nfor ${name}\n`)
    const tail = await k(['logs', pod.metadata.name, '-n', NS, '--tail=1'])
    expect(tail.stdout).toBe(`for ${name}\n`)
    expect(json((await k(['get', 'pod', pod.metadata.name, '-n', NS, '-o', 'json'])).stdout).status.phase).toBe('Succeeded')

    const deleted = await k(['delete', 'job', name, '-n', NS, '--ignore-not-found', '--wait=false'])
    expect(deleted.code).toBe(0)
    expect(emu.requests.filter((r) => r.method === 'DELETE').pop()?.body).toMatchObject({ propagationPolicy: 'Background' })
    expect(emu.getObject('jobs', NS, name)).toBeUndefined()
    expect(emu.listObjects('pods', NS).filter((p: any) => p.metadata.labels['job-name'] === name)).toEqual([])
    const again = await k(['delete', 'job', name, '-n', NS, '--ignore-not-found', '--wait=false'])
    expect(again.code).toBe(0)
  })

  it('fails a Job whose pod exits non-zero: failed 1, condition Failed BackoffLimitExceeded', async () => {
    emu.setJobBehavior(() => ({ exitCode: 1, log: 'unhealthy: HTTP 503' }))
    const created = await k(['create', '-f', '-', '-o', 'json'], job())
    const name: string = json(created.stdout).metadata.name
    const done = await waitUntil('job failed', () => {
      const status = (emu.getObject('jobs', NS, name) as any)?.status
      return status?.conditions?.some((c: any) => c.type === 'Failed') ? status : undefined
    })
    expect(done.failed).toBe(1)
    expect(done.conditions.find((c: any) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' })
    const view = await k(['get', 'job', name, '-n', NS, '-o', 'json'])
    expect(json(view.stdout).status.failed).toBe(1)
    expect((await k(['logs', `job/${name}`, '-n', NS])).stdout).toBe('unhealthy: HTTP 503\n')
    const pods = json((await k(['get', 'pods', '-n', NS, '-l', `job-name=${name}`, '-o', 'json'])).stdout).items
    expect(pods[0].status).toMatchObject({ phase: 'Failed' })
    expect(pods[0].status.containerStatuses[0].state.terminated.exitCode).toBe(1)
  })

  it('rejects an invalid Job the way the API server does, and deletes finished Jobs after their TTL', async () => {
    const invalid = await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bad', namespace: NS }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } }))
    expect(invalid.code).not.toBe(0)
    expect(invalid.stderr).toContain('The Job "bad" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"')

    emu.setJobBehavior(() => ({ exitCode: 0, log: 'ok' }))
    const created = await k(['create', '-f', '-', '-o', 'json'], job({ ttlSecondsAfterFinished: 2 }))
    const name: string = json(created.stdout).metadata.name
    await waitUntil('job complete', () => (emu.getObject('jobs', NS, name) as any)?.status?.succeeded === 1)
    // 2 s later (the clock is faster, but a TTL keeps min(TTL, 10 s) of real time) the Job and its pod are gone.
    await waitUntil('job deleted by TTL', () => emu.getObject('jobs', NS, name) === undefined, 5000)
    expect((await k(['get', 'job', name, '-n', NS])).stderr).toContain(`jobs.batch "${name}" not found`)
  })

  it('kubectl wait watches a Job until it completes', async () => {
    emu.setJobBehavior(() => ({ exitCode: 0, log: 'ok', durationMs: 180_000 }))
    const name: string = json((await k(['create', '-f', '-', '-o', 'json'], job())).stdout).metadata.name
    const waited = await k(['wait', '--for=condition=complete', `job/${name}`, '-n', NS, '--timeout=60s'])
    expect(waited).toMatchObject({ code: 0, stdout: `job.batch/${name} condition met\n` })
    expect(emu.requests.some((r) => r.path === `/apis/batch/v1/namespaces/${NS}/jobs` && r.query.includes('watch=true'))).toBe(true)
  })

  it('follows a running pod until it ends', async () => {
    emu.setJobBehavior(() => ({ exitCode: 0, log: 'line 1\nline 2', durationMs: 120_000 }))
    const name: string = json((await k(['create', '-f', '-', '-o', 'json'], job())).stdout).metadata.name
    const followed = await k(['logs', '-f', `job/${name}`, '-n', NS])
    expect(followed.stdout).toBe('line 1\nline 2\n')
    expect((emu.getObject('jobs', NS, name) as any).status.succeeded).toBe(1)
  })
})

describe('secrets', () => {
  it('serves secrets with base64 data', async () => {
    emu.addSecret(NS, 'newrelic', { 'api-key': 'NRAK-SECRET' })
    const got = await k(['get', 'secret', 'newrelic', '-n', NS, '-o', 'json'])
    expect(got.code).toBe(0)
    expect(json(got.stdout)).toMatchObject({ kind: 'Secret', type: 'Opaque', data: { 'api-key': Buffer.from('NRAK-SECRET').toString('base64') } })
    const missing = await k(['get', 'secret', 'nope', '-n', NS, '-o', 'json'])
    expect(missing.stderr).toContain('Error from server (NotFound): secrets "nope" not found')
  })
})

describe('faults', () => {
  it('answers matching requests with a Status error, only `times` times', async () => {
    emu.setFault({ verb: 'patch', resource: 'rollouts', kind: 'status', code: 403, times: 1 })
    const denied = await k(['patch', 'rollout', 'vote', '-n', NS, '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"abort":false}}'])
    expect(denied.code).not.toBe(0)
    expect(denied.stderr).toContain(
      'Error from server (Forbidden): rollouts.argoproj.io "vote" is forbidden: User "system:serviceaccount:ci:canary-gate" cannot patch resource "rollouts/status" in API group "argoproj.io" in the namespace "voting01-qa"'
    )
    const allowed = await k(['patch', 'rollout', 'vote', '-n', NS, '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"abort":false}}'])
    expect(allowed.code).toBe(0)
  })

  it.each([
    [500, 'Error from server (InternalError): Internal error occurred: injected by the emulator'],
    [503, 'Error from server (ServiceUnavailable): the server is currently unable to handle the request'],
    [429, 'Error from server (TooManyRequests): Too many requests, please try again later.']
  ])('status %i gives kubectl the server message', async (code, printed) => {
    emu.setFault({ verb: 'get', resource: 'rollouts', name: 'vote', kind: 'status', code })
    try {
      const failed = await k(['get', 'rollout', 'vote', '-n', NS, '-o', 'json'])
      expect(failed.code).not.toBe(0)
      expect(failed.stderr).toContain(printed)
      const status = emu.requests[emu.requests.length - 1]
      expect(status.path).toBe(`/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/vote`)
    } finally {
      emu.setFault(null)
    }
  })

  it('a custom message and reason reach kubectl as they are', async () => {
    emu.setFault({ verb: 'create', resource: 'jobs', kind: 'status', code: 403, message: 'jobs.batch is forbidden: quota exceeded', times: 1 })
    const failed = await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'x-', namespace: NS }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } }))
    expect(failed.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": jobs.batch is forbidden: quota exceeded')
  })

  it('hang: kubectl --request-timeout=1s gives up after about a second', async () => {
    emu.setFault({ verb: 'get', resource: 'rollouts', kind: 'hang' })
    try {
      const hung = await k(['get', 'rollout', 'vote', '-n', NS, '-o', 'json', '--request-timeout=1s'])
      expect(hung.code).not.toBe(0)
      expect(hung.stderr).toMatch(/Client.Timeout|context deadline exceeded|timeout/i)
      expect(hung.ms).toBeGreaterThanOrEqual(1000)
      expect(hung.ms).toBeLessThan(4000)
    } finally {
      emu.setFault(null)
    }
  })

  it('reset: the connection drops and kubectl fails', async () => {
    emu.setFault({ verb: 'patch', resource: 'rollouts', kind: 'reset' })
    try {
      const reset = await k(['patch', 'rollout', 'vote', '-n', NS, '--type', 'merge', '-p', '{"spec":{"paused":false}}'])
      expect(reset.code).not.toBe(0)
      expect(reset.stderr).toMatch(/EOF|connection reset|closed/i)
    } finally {
      emu.setFault(null)
    }
  })

  it('close() returns promptly with a request hanging', async () => {
    const other = await startKubeEmulator()
    other.applyRollout(seedRollout())
    other.setFault({ kind: 'hang', resource: 'rollouts' })
    const pending = kubectl(other.env, ['get', 'rollout', 'vote', '-n', NS, '-o', 'json'])
    await waitUntil('the hanging request', () => other.requests.some((r) => r.path.endsWith('/rollouts/vote')), 10_000)
    const started = Date.now()
    await other.close()
    expect(Date.now() - started).toBeLessThan(1000)
    expect((await pending).code).not.toBe(0)
    expect(existsSync(other.kubeconfig)).toBe(false)
  })
})

describe('clock', () => {
  it('shares its scaled clock with the action through timeEnv', () => {
    const { clock, scale } = clockFromEnv({ ...emu.timeEnv })
    expect(scale).toBe(600)
    expect(Math.abs(clock.now() - emu.clock.now())).toBeLessThan(600 * 100)
  })
})

describe('contexts', () => {
  it('--context other points at a closed port', async () => {
    const refused = await k(['--context', 'other', 'get', 'rollouts', '-A', '-o', 'json'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/connection (to the server .* was )?refused/)
  })
})
