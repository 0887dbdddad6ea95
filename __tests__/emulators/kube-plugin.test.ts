// The stand-in `kubectl argo rollouts` plugin: found by the real kubectl on PATH, it must send exactly
// the patches the real plugin sends (shared/reference/argo-analysis.md, promote.go, abort.go, retry.go).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { analysisAsPause, SEED_STEPS, seedRollout } from '../../emulators/kube/fixtures.js'
import { kubectl, waitUntil } from '../../emulators/kube/kubectl.js'
import { PLUGIN_DIR, podTemplateHash, startKubeEmulator, type KubeEmulator, type RecordedRequest } from '../../emulators/kube/server.js'

const NS = 'voting01-qa'
const BASE = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts`
let emu: KubeEmulator
let dir: string
let log: string

const plugin = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  kubectl(emu.env, ['argo', 'rollouts', ...args], { extraEnv: { PATH: `${PLUGIN_DIR}${delimiter}${process.env.PATH}`, KUBECTL_ARGO_ROLLOUTS_LOG: log, ...env } })
const rollout = (name: string): any => emu.getRollout(NS, name)
/** The writes since `from`: method, path (relative to the rollouts URL), content type and body. */
const writes = (from: number) =>
  emu.requests
    .slice(from)
    .filter((r: RecordedRequest) => r.method !== 'GET')
    .map((r) => ({ method: r.method, path: r.path.replace(BASE, ''), contentType: r.contentType, body: r.body }))
const pausedAt = (name: string, index: number) =>
  waitUntil(`${name} paused at ${index}`, () => rollout(name).status.phase === 'Paused' && rollout(name).status.currentStepIndex === index)

async function started(name: string, steps = analysisAsPause(SEED_STEPS), spec: Record<string, unknown> = {}): Promise<void> {
  emu.applyRollout(seedRollout({ name, steps, spec }))
  const result = await plugin(['set', 'image', name, `${name}=registry.example.com/${name}:v2`, '-n', NS])
  expect(result).toMatchObject({ code: 0, stdout: `rollout "${name}" image updated\n` })
}

beforeAll(async () => {
  emu = await startKubeEmulator({ timeScale: 600 })
  dir = mkdtempSync(join(tmpdir(), 'argo-plugin-'))
})
beforeEach(() => {
  log = join(dir, `${expect.getState().currentTestName?.replace(/\W+/g, '-')}.log`)
})
afterAll(async () => {
  await emu?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('kubectl argo rollouts (stand-in)', () => {
  it('is found on PATH and logs its argv', async () => {
    const version = await plugin(['version'])
    expect(version.code).toBe(0)
    expect(version.stdout.split('\n')[0]).toBe('kubectl-argo-rollouts: v1.8.3+emulator')
    await plugin(['version', '--short'])
    expect(readFileSync(log, 'utf8')).toBe('version\nversion --short\n')
  })

  it('promote at a pause clears status.pauseConditions through the status subresource', async () => {
    await started('vote')
    await pausedAt('vote', 2)
    const from = emu.requests.length
    const promoted = await plugin(['promote', 'vote', '-n', NS])
    expect(promoted).toMatchObject({ code: 0, stdout: "rollout 'vote' promoted\n" })
    expect(writes(from)).toEqual([{ method: 'PATCH', path: '/vote/status', contentType: 'application/merge-patch+json', body: { status: { pauseConditions: null } } }])
    // The plugin read the rollout first, as the real one does.
    expect(emu.requests.slice(from).some((r) => r.method === 'GET' && r.path === `${BASE}/vote`)).toBe(true)
    await pausedAt('vote', 5)
    expect(readFileSync(log, 'utf8').trim().split('\n').pop()).toBe(`promote vote -n ${NS}`)
  })

  it('promote without a pause condition moves currentStepIndex on by one', async () => {
    // A crash-looping canary waits at its setWeight step with no pause condition.
    emu.setCanaryCrashLoop('*', true)
    try {
      await started('stuck', [{ setWeight: 20 }, { pause: {} }])
      await waitUntil('stuck progressing at step 0', () => rollout('stuck').status.currentPodHash === podTemplateHash(rollout('stuck').spec.template))
      const from = emu.requests.length
      expect((await plugin(['promote', 'stuck', '-n', NS])).code).toBe(0)
      expect(writes(from)).toEqual([
        { method: 'PATCH', path: '/stuck/status', contentType: 'application/merge-patch+json', body: { status: { pauseConditions: null, currentStepIndex: 1 } } }
      ])
    } finally {
      emu.setCanaryCrashLoop('*', false)
    }
    await pausedAt('stuck', 1)
  })

  it('promote of a user-paused rollout also patches spec.paused on the main resource', async () => {
    emu.applyRollout(seedRollout({ name: 'userpaused', spec: { paused: true } }))
    const from = emu.requests.length
    expect((await plugin(['promote', 'userpaused', '-n', NS])).code).toBe(0)
    // No pause condition on a canary: the step index patch (already at the end: 9 stays 9), then the spec.
    expect(writes(from)).toEqual([
      { method: 'PATCH', path: '/userpaused/status', contentType: 'application/merge-patch+json', body: { status: { pauseConditions: null, currentStepIndex: 9 } } },
      { method: 'PATCH', path: '/userpaused', contentType: 'application/merge-patch+json', body: { spec: { paused: false } } }
    ])
    expect(rollout('userpaused').spec.paused).toBe(false)
  })

  it('promote --full sets status.promoteFull, and nothing when already fully promoted', async () => {
    await started('full')
    await pausedAt('full', 2)
    const from = emu.requests.length
    const result = await plugin(['promote', 'full', '-n', NS, '--full'])
    expect(result.stdout).toBe("rollout 'full' fully promoted\n")
    expect(writes(from)).toEqual([{ method: 'PATCH', path: '/full/status', contentType: 'application/merge-patch+json', body: { status: { promoteFull: true } } }])
    await waitUntil('full healthy', () => rollout('full').status.phase === 'Healthy')
    const again = emu.requests.length
    expect((await plugin(['promote', 'full', '-n', NS, '--full'])).code).toBe(0)
    expect(writes(again)).toEqual([])
  })

  it('abort and retry rollout patch status.abort', async () => {
    await started('ab')
    await pausedAt('ab', 2)
    let from = emu.requests.length
    expect((await plugin(['abort', 'ab', '-n', NS])).stdout).toBe("rollout 'ab' aborted\n")
    expect(writes(from)).toEqual([{ method: 'PATCH', path: '/ab/status', contentType: 'application/merge-patch+json', body: { status: { abort: true } } }])
    await waitUntil('aborted', () => rollout('ab').status.phase === 'Degraded' && rollout('ab').status.canary.weights.canary.weight === 0)

    from = emu.requests.length
    expect((await plugin(['retry', 'rollout', 'ab', '-n', NS])).stdout).toBe("rollout 'ab' retried\n")
    expect(writes(from)).toEqual([{ method: 'PATCH', path: '/ab/status', contentType: 'application/merge-patch+json', body: { status: { abort: false } } }])
    await pausedAt('ab', 2)
    expect(readFileSync(log, 'utf8')).toContain(`abort ab -n ${NS}\nretry rollout ab -n ${NS}\n`)
  })

  it('falls back to the main resource with the unified patch when the status subresource is NotFound', async () => {
    await started('old')
    await pausedAt('old', 2)
    emu.setFault({ verb: 'patch', resource: 'rollouts/status', kind: 'status', code: 404, times: 1 })
    const from = emu.requests.length
    expect((await plugin(['promote', 'old', '-n', NS])).code).toBe(0)
    expect(writes(from)).toEqual([
      { method: 'PATCH', path: '/old/status', contentType: 'application/merge-patch+json', body: { status: { pauseConditions: null } } },
      { method: 'PATCH', path: '/old', contentType: 'application/merge-patch+json', body: { spec: { paused: false }, status: { pauseConditions: null } } }
    ])
  })

  it('set image changes the container image (a new revision) and names a missing container', async () => {
    await started('img')
    expect(rollout('img').spec.template.spec.containers[0].image).toBe('registry.example.com/img:v2')
    expect(rollout('img').metadata.annotations['rollout.argoproj.io/revision']).toBe('2')
    const missing = await plugin(['set', 'image', 'img', 'nope=x:1', '-n', NS])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toBe('Error: unable to find container named "nope"\n')
  })

  it('get rollout prints a summary; errors read like the plugin', async () => {
    await pausedAt('img', 2)
    const got = await plugin(['get', 'rollout', 'img', '-n', NS])
    expect(got.code).toBe(0)
    expect(got.stdout).toContain('Status:          Paused')
    expect(got.stdout).toContain('Message:         CanaryPauseStep')
    expect(got.stdout).toContain('  ActualWeight:  20')

    const missing = await plugin(['promote', 'nope', '-n', NS])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('Error: rollouts.argoproj.io "nope" not found\n')
  })

  it('honours --context and --kubeconfig', async () => {
    const other = await plugin(['promote', 'img', '-n', NS, '--context', 'other'])
    expect(other.code).not.toBe(0)
    expect(other.stderr).toMatch(/^Error: .*refused/m)
    const explicit = await kubectl({}, ['argo', 'rollouts', 'get', 'rollout', 'img', '-n', NS, '--kubeconfig', emu.kubeconfig], {
      extraEnv: { PATH: `${PLUGIN_DIR}${delimiter}${process.env.PATH}`, KUBECONFIG: '/nonexistent', KUBECACHEDIR: emu.env.KUBECACHEDIR }
    })
    expect(explicit.code).toBe(0)
    expect(explicit.stdout).toContain('Name:            img')
  })
})
