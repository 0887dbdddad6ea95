// The Argo Rollouts controller emulator, driven through the real kubectl. Time runs 600× faster: a
// 2-minute pause takes 0.2 s, one reconcile (50 ms) is 30 s of clock time.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { analysisAsPause, SEED_STEPS, seedRollout } from '../../emulators/kube/fixtures.js'
import { kubectl, waitUntil } from '../../emulators/kube/kubectl.js'
import { podTemplateHash, startKubeEmulator, type ControllerEvent, type KubeEmulator } from '../../emulators/kube/server.js'

const NS = 'voting01-qa'
let emu: KubeEmulator
const k = (args: string[]) => kubectl(emu.env, args)
const rollout = (name: string): any => emu.getRollout(NS, name)
const events = (name: string): ControllerEvent[] => emu.events.filter((e) => e.rollout === name)
const event = (name: string, what: string | RegExp): ControllerEvent | undefined =>
  events(name).find((e) => (typeof what === 'string' ? e.what === what : what.test(e.what)))

async function patch(name: string, body: unknown, status = false): Promise<void> {
  const args = ['patch', 'rollout', name, '-n', NS, '--type', Array.isArray(body) ? 'json' : 'merge', '-p', JSON.stringify(body)]
  const result = await k(status ? [...args, '--subresource', 'status'] : args)
  if (result.code !== 0) throw new Error(`kubectl patch failed: ${result.stderr}`)
}
const setImage = (name: string, image: string) => patch(name, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }])
const promote = (name: string) => patch(name, { status: { pauseConditions: null } }, true)

/** Waits until the rollout is paused at a CanaryPauseStep at `index`. */
function pausedAt(name: string, index: number, timeoutMs = 5000): Promise<any> {
  return waitUntil(`${name} paused at step ${index}`, () => {
    const ro = rollout(name)
    return ro.status.phase === 'Paused' && ro.status.currentStepIndex === index ? ro : undefined
  }, timeoutMs)
}
const phase = (name: string, wanted: string, timeoutMs = 5000) => waitUntil(`${name} ${wanted}`, () => (rollout(name).status.phase === wanted ? rollout(name) : undefined), timeoutMs)

/** Starts a new revision of a fresh rollout called `name` and waits for its first pause. */
async function startedRollout(name: string, steps: Array<Record<string, unknown>>, spec: Record<string, unknown> = {}): Promise<void> {
  emu.applyRollout(seedRollout({ name, steps, spec }))
  await setImage(name, `registry.example.com/${name}:v2`)
}

beforeAll(async () => {
  emu = await startKubeEmulator({ timeScale: 600 })
})
afterAll(() => emu?.close())

describe('a new Rollout', () => {
  it('starts Healthy at its template (from applyRollout and from kubectl apply)', async () => {
    emu.applyRollout(seedRollout({ name: 'fresh' }))
    const ro = rollout('fresh')
    const hash = podTemplateHash(ro.spec.template)
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/)
    expect(ro.status).toMatchObject({
      phase: 'Healthy',
      message: '',
      stableRS: hash,
      currentPodHash: hash,
      currentStepIndex: SEED_STEPS.length,
      observedGeneration: '1',
      canary: { weights: { canary: { weight: 0, podTemplateHash: hash }, stable: { weight: 100, podTemplateHash: hash } } }
    })

    const applied = await kubectl(emu.env, ['apply', '-f', '-'], { input: JSON.stringify(seedRollout({ name: 'applied' })) })
    expect(applied.code).toBe(0)
    const healthy = await phase('applied', 'Healthy')
    expect(healthy.status.stableRS).toBe(podTemplateHash(healthy.spec.template))
  })
})

describe("the seed team's Rollout", () => {
  it('walks through its steps, promoted at each indefinite pause, with timed pauses ending on the clock', async () => {
    await startedRollout('walk', analysisAsPause(SEED_STEPS))
    const newHash = podTemplateHash(rollout('walk').spec.template)
    expect(event('walk', /^new revision 2 /)).toBeDefined()

    for (const [index, weight] of [
      [2, 20],
      [5, 50],
      [8, 100]
    ]) {
      const ro = await pausedAt('walk', index)
      expect(ro.status.message).toBe('CanaryPauseStep')
      expect(ro.status.controllerPause).toBe(true)
      expect(ro.status.pauseConditions).toEqual([{ reason: 'CanaryPauseStep', startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) }])
      expect(ro.status.canary.weights).toEqual({ canary: { weight, podTemplateHash: newHash }, stable: { weight: 100 - weight, podTemplateHash: ro.status.stableRS } })
      await promote('walk')
    }
    const done = await phase('walk', 'Healthy')
    expect(done.status).toMatchObject({
      stableRS: newHash,
      currentPodHash: newHash,
      currentStepIndex: 9,
      message: '',
      canary: { weights: { canary: { weight: 0, podTemplateHash: newHash }, stable: { weight: 100, podTemplateHash: newHash } } }
    })
    expect(done.status.pauseConditions).toBeUndefined()
    expect(done.status.controllerPause).toBeUndefined()

    // Timed pauses last their duration on the clock (the start is stored in whole seconds; one reconcile is
    // 30 s of clock, and a loaded machine may skip a few).
    for (const [index, minutes] of [
      [1, 2],
      [4, 3],
      [7, 1]
    ]) {
      const started = event('walk', `step ${index} pause ${minutes}m`) as ControllerEvent
      const ended = event('walk', `pause ended: ${minutes}m elapsed`) as ControllerEvent
      expect(ended.time - started.time).toBeGreaterThanOrEqual(minutes * 60_000 - 1000)
      expect(ended.time - started.time).toBeLessThan(minutes * 60_000 + 180_000)
    }
    expect(events('walk').map((e) => `${e.what} @${e.weight}`)).toEqual([
      expect.stringMatching(/^new revision 2 \(\w+\): step 0 @0$/),
      'step 0 setWeight 20 @20',
      'step 1 pause 2m @20',
      'paused CanaryPauseStep @20',
      'pause ended: 2m elapsed @20',
      'step 2 pause (until promoted) @20',
      'paused CanaryPauseStep @20',
      'pause conditions cleared @20',
      'promoted @20',
      'step 3 setWeight 50 @50',
      'step 4 pause 3m @50',
      'paused CanaryPauseStep @50',
      'pause ended: 3m elapsed @50',
      'step 5 pause (until promoted) @50',
      'paused CanaryPauseStep @50',
      'pause conditions cleared @50',
      'promoted @50',
      'step 6 setWeight 100 @100',
      'step 7 pause 1m @100',
      'paused CanaryPauseStep @100',
      'pause ended: 1m elapsed @100',
      'step 8 pause (until promoted) @100',
      'paused CanaryPauseStep @100',
      'pause conditions cleared @100',
      'promoted @100',
      'completed @0'
    ])
    const viaKubectl = JSON.parse((await k(['get', 'rollout', 'walk', '-n', NS, '-o', 'json'])).stdout)
    expect(viaKubectl.status.phase).toBe('Healthy')
    expect(viaKubectl.metadata.annotations['rollout.argoproj.io/revision']).toBe('2')
  })

  it('with its analysis steps still in the live spec, passes them at once and completes on its own', async () => {
    await startedRollout('live', SEED_STEPS)
    const started = emu.clock.now()
    await phase('live', 'Progressing')
    const done = await phase('live', 'Healthy', 5000)
    expect(done.status.stableRS).toBe(podTemplateHash(done.spec.template))
    expect(emu.clock.now() - started).toBeGreaterThanOrEqual(6 * 60_000 - 3000)
    expect(events('live').filter((e) => /analysis: passed/.test(e.what)).map((e) => e.what)).toEqual([
      'step 2 analysis: passed (the emulator runs no analysis)',
      'step 5 analysis: passed (the emulator runs no analysis)',
      'step 8 analysis: passed (the emulator runs no analysis)'
    ])
  })
})

describe('abort and retry', () => {
  it('abort: Degraded with RolloutAborted, canary weight 0, pause cleared; events time the reaction', async () => {
    await startedRollout('abort-me', analysisAsPause(SEED_STEPS))
    await pausedAt('abort-me', 2)
    await patch('abort-me', { status: { abort: true } }, true)
    const ro = await phase('abort-me', 'Degraded')
    expect(ro.status).toMatchObject({
      abort: true,
      message: 'RolloutAborted: Rollout aborted update to revision 2',
      currentStepIndex: 0,
      abortedAt: expect.stringMatching(/Z$/),
      canary: { weights: { canary: { weight: 0 }, stable: { weight: 100 } } }
    })
    expect(ro.status.pauseConditions).toBeUndefined()
    expect(ro.status.controllerPause).toBeUndefined()
    const requested = event('abort-me', 'abort requested') as ControllerEvent
    const aborted = event('abort-me', 'aborted: canary weight 0') as ControllerEvent
    expect(requested.weight).toBe(20)
    expect(aborted.weight).toBe(0)
    expect(aborted.time - requested.time).toBeGreaterThanOrEqual(0)
    expect(aborted.time - requested.time).toBeLessThan(60_000)

    // It stays there.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(rollout('abort-me').status).toMatchObject({ phase: 'Degraded', currentStepIndex: 0 })
    expect(events('abort-me').filter((e) => e.what === 'aborted: canary weight 0')).toHaveLength(1)
  })

  it('retry (abort: false) restarts the steps from 0', async () => {
    await patch('abort-me', { status: { abort: false } }, true)
    await phase('abort-me', 'Progressing')
    const ro = await pausedAt('abort-me', 2)
    expect(ro.status.canary.weights.canary.weight).toBe(20)
    const whats = events('abort-me').map((e) => e.what)
    expect(whats.slice(whats.indexOf('retry requested'))).toEqual([
      'retry requested',
      'retrying from step 0',
      'step 0 setWeight 20',
      'step 1 pause 2m',
      'paused CanaryPauseStep',
      'pause ended: 2m elapsed',
      'step 2 pause (until promoted)',
      'paused CanaryPauseStep'
    ])
  })
})

describe('promotion', () => {
  it('promoteFull skips the remaining steps and becomes Healthy at once', async () => {
    await startedRollout('full', analysisAsPause(SEED_STEPS))
    await pausedAt('full', 2)
    await patch('full', { status: { promoteFull: true } }, true)
    const ro = await phase('full', 'Healthy')
    expect(ro.status.promoteFull).toBeUndefined()
    expect(ro.status.stableRS).toBe(podTemplateHash(ro.spec.template))
    expect(ro.status.currentStepIndex).toBe(9)
    expect(events('full').slice(-2).map((e) => e.what)).toEqual(['full promotion requested', 'promoted full'])
  })

  it('spec.paused holds every step until it is set false', async () => {
    const steps = [{ setWeight: 20 }, { pause: { duration: '1m' } }, { setWeight: 60 }, { pause: {} }]
    emu.applyRollout(seedRollout({ name: 'held', steps }))
    await patch('held', { spec: { paused: true } })
    await setImage('held', 'registry.example.com/held:v2')
    const held = await waitUntil('held rollout restarted and paused', () => {
      const ro = rollout('held')
      return ro.status.currentPodHash === podTemplateHash(ro.spec.template) && ro.status.phase === 'Paused' ? ro : undefined
    })
    expect(held.status).toMatchObject({ message: 'manually paused', currentStepIndex: 0 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(rollout('held').status.currentStepIndex).toBe(0)
    expect(rollout('held').status.canary.weights.canary.weight).toBe(0)
    await patch('held', { spec: { paused: false } })
    const ro = await pausedAt('held', 3)
    expect(ro.status.canary.weights.canary.weight).toBe(60)
  })

  it('a status patch setting currentStepIndex moves to that step', async () => {
    const steps = [{ setWeight: 10 }, { pause: { duration: '1h' } }, { setWeight: 30 }, { pause: {} }]
    await startedRollout('jump', steps)
    await pausedAt('jump', 1)
    await patch('jump', { status: { pauseConditions: null, currentStepIndex: 2 } }, true)
    const ro = await pausedAt('jump', 3)
    expect(ro.status.canary.weights.canary.weight).toBe(30)
  })
})

describe('revisions and steps', () => {
  it('a new image starts a new revision at step 0; going back to the stable template skips the steps', async () => {
    await startedRollout('revs', analysisAsPause(SEED_STEPS))
    const v2 = await pausedAt('revs', 2)
    const v2Hash = podTemplateHash(v2.spec.template)
    expect(v2.status.currentPodHash).toBe(v2Hash)
    const stable = v2.status.stableRS
    expect(stable).not.toBe(v2Hash)

    await setImage('revs', 'registry.example.com/revs:v3')
    await waitUntil('revision 3', () => rollout('revs').metadata.annotations['rollout.argoproj.io/revision'] === '3')
    const v3 = await pausedAt('revs', 2)
    expect(v3.status.currentPodHash).toBe(podTemplateHash(v3.spec.template))
    expect(v3.status.stableRS).toBe(stable)
    expect(event('revs', /^new revision 3 /)?.weight).toBe(0)

    await setImage('revs', 'registry.example.com/revs:v1')
    const back = await phase('revs', 'Healthy')
    expect(back.status).toMatchObject({ currentPodHash: stable, stableRS: stable, currentStepIndex: 9 })
    expect(event('revs', /^back to the stable template/)).toBeDefined()
  })

  it('changing the steps while a rollout is in progress resets it to step 0 (status.currentStepHash)', async () => {
    await startedRollout('steps', analysisAsPause(SEED_STEPS))
    await pausedAt('steps', 2)
    await promote('steps')
    const before = await pausedAt('steps', 5)
    expect(before.status.canary.weights.canary.weight).toBe(50)
    const newSteps = [{ setWeight: 25 }, { pause: {} }]
    await patch('steps', { spec: { strategy: { canary: { steps: newSteps } } } })
    const ro = await pausedAt('steps', 1)
    expect(ro.status.currentStepHash).not.toBe(before.status.currentStepHash)
    expect(ro.status.canary.weights.canary.weight).toBe(25)
    expect(ro.status.currentPodHash).toBe(before.status.currentPodHash)
    expect(events('steps').map((e) => e.what)).toContain('steps changed: back to step 0')
  })

  it('changing the steps of a Healthy rollout keeps it Healthy', async () => {
    emu.applyRollout(seedRollout({ name: 'calm' }))
    const before = rollout('calm')
    await patch('calm', { spec: { strategy: { canary: { steps: analysisAsPause(SEED_STEPS) } } } })
    const ro = await waitUntil('new step hash', () => (rollout('calm').status.currentStepHash !== before.status.currentStepHash ? rollout('calm') : undefined))
    expect(ro.status).toMatchObject({ phase: 'Healthy', currentStepIndex: 9, stableRS: before.status.stableRS })
  })
})

describe('a crash-looping canary', () => {
  let crash: KubeEmulator
  beforeAll(async () => {
    crash = await startKubeEmulator({ timeScale: 600 })
  })
  afterAll(() => crash?.close())
  const ro = (name: string): any => crash.getRollout(NS, name)
  const crashEvents = (name: string) => crash.events.filter((e) => e.rollout === name)

  it('degrades after progressDeadlineSeconds of progressing, not counting pauses, keeping its weight', async () => {
    const steps = [{ setWeight: 20 }, { pause: { duration: '10m' } }, { setWeight: 40 }, { pause: {} }]
    crash.applyRollout(seedRollout({ name: 'crashy', steps, spec: { progressDeadlineSeconds: 120 } }))
    const result = await kubectl(crash.env, ['patch', 'rollout', 'crashy', '-n', NS, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.example.com/vote:crash"}]'])
    expect(result.code).toBe(0)
    const hash = podTemplateHash(ro('crashy').spec.template)
    await waitUntil('paused at step 1', () => ro('crashy').status.currentStepIndex === 1 && ro('crashy').status.phase === 'Paused')
    crash.setCanaryCrashLoop(hash, true)

    const degraded = await waitUntil('Degraded', () => (ro('crashy').status.phase === 'Degraded' ? ro('crashy') : undefined), 5000)
    expect(degraded.status.message).toBe(`ProgressDeadlineExceeded: ReplicaSet "crashy-${hash}" has timed out progressing.`)
    expect(degraded.status.canary.weights.canary.weight).toBe(20)
    expect(degraded.status.currentStepIndex).toBe(2)
    expect(degraded.status.abort).toBeUndefined()
    // The 10-minute pause (longer than the deadline) did not count: the deadline ran from its end.
    const pauseEnded = crashEvents('crashy').find((e) => e.what === 'pause ended: 10m elapsed') as ControllerEvent
    const degradedAt = crashEvents('crashy').find((e) => e.what === 'degraded: ProgressDeadlineExceeded') as ControllerEvent
    // Conditions carry whole seconds (RFC 3339, as the API server writes them): the deadline counts from the second the pause ended in.
    expect(degradedAt.time - pauseEnded.time).toBeGreaterThan(120_000 - 1000)
    expect(degradedAt.time - pauseEnded.time).toBeLessThan(120_000 + 180_000)
    expect(degradedAt.weight).toBe(20)

    const viaKubectl = JSON.parse((await kubectl(crash.env, ['get', 'rollout', 'crashy', '-n', NS, '-o', 'json'])).stdout)
    expect(viaKubectl.status.phase).toBe('Degraded')

    // Once the pods stop crashing, the rollout goes on.
    crash.setCanaryCrashLoop(hash, false)
    await waitUntil('paused at step 3', () => ro('crashy').status.currentStepIndex === 3 && ro('crashy').status.phase === 'Paused')
    expect(ro('crashy').status.canary.weights.canary.weight).toBe(40)
  })

  it("with progressDeadlineAbort, every new revision's crash loop ('*') aborts the rollout", async () => {
    crash.setCanaryCrashLoop('*', true)
    crash.applyRollout(seedRollout({ name: 'aborts', steps: [{ setWeight: 20 }, { pause: {} }], spec: { progressDeadlineSeconds: 60, progressDeadlineAbort: true } }))
    await kubectl(crash.env, ['patch', 'rollout', 'aborts', '-n', NS, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.example.com/vote:bad"}]'])
    const aborted = await waitUntil('aborted', () => (ro('aborts').status.abort ? ro('aborts') : undefined), 5000)
    const hash = podTemplateHash(aborted.spec.template)
    expect(aborted.status.phase).toBe('Degraded')
    expect(aborted.status.message).toBe(`RolloutAborted: Rollout aborted update to revision 2: ReplicaSet "aborts-${hash}" has timed out progressing.`)
    expect(aborted.status.canary.weights.canary.weight).toBe(0)
    expect(crashEvents('aborts').map((e) => e.what).slice(-2)).toEqual(['degraded: ProgressDeadlineExceeded', 'aborted: canary weight 0'])
    crash.setCanaryCrashLoop('*', false)
  })
})
