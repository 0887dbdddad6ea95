// The kubectl wrapper with a recorded exec: what it hands kubectl, and what it makes of failures.
import { describe, expect, it } from '@jest/globals'
import { Kubectl, KubectlError, displayCommand, isTransient, type Exec } from '../../src/kube/kubectl.js'
import { RolloutClient, parseRollout } from '../../src/kube/rollout.js'
import { memoryLogger } from '../../src/log.js'
import { VirtualClock } from '../support/virtual-clock.js'

function recorder(answers: Array<{ exitCode: number; stdout?: string; stderr?: string }>) {
  const calls: Array<{ program: string; args: string[]; input?: string }> = []
  const exec: Exec = async (program, args, options) => {
    calls.push({ program, args, input: options.input })
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]
    return { exitCode: answer.exitCode, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' }
  }
  return { calls, exec }
}

describe('kubectl wrapper', () => {
  it('passes an argument array with a request timeout and the context, never a shell line', async () => {
    const { calls, exec } = recorder([{ exitCode: 0, stdout: '{"kind":"Rollout"}' }])
    const kubectl = new Kubectl({ log: memoryLogger(), clock: new VirtualClock(), exec, context: 'qa-cluster' })
    await kubectl.readJson(['get', 'rollout', 'vote', '-n', 'voting01-qa'])
    expect(calls).toEqual([{ program: 'kubectl', args: ['get', 'rollout', 'vote', '-n', 'voting01-qa', '-o', 'json', '--request-timeout=30s', '--context=qa-cluster'], input: undefined }])
  })

  it('retries transient failures with backoff, then surfaces stderr', async () => {
    const clock = new VirtualClock()
    const { calls, exec } = recorder([{ exitCode: 1, stderr: 'Unable to connect to the server: dial tcp 10.0.0.1:443: connect: connection refused' }])
    const log = memoryLogger()
    const kubectl = new Kubectl({ log, clock, exec })
    const started = clock.now()
    const error = await kubectl.read(['get', 'rollout', 'vote']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KubectlError)
    expect((error as KubectlError).message).toBe('kubectl get rollout vote failed (exit 1): Unable to connect to the server: dial tcp 10.0.0.1:443: connect: connection refused')
    expect(calls).toHaveLength(4)
    expect(clock.now() - started).toBe(500 + 1000 + 2000)
    expect(log.lines[0]).toMatch(/^kubectl get rollout vote: Unable to connect.*; retry 1 in 500ms$/)
  })

  it('does not retry what the server refused', async () => {
    const { calls, exec } = recorder([{ exitCode: 1, stderr: 'Error from server (NotFound): rollouts.argoproj.io "vote" not found' }])
    const error = (await new Kubectl({ log: memoryLogger(), clock: new VirtualClock(), exec }).read(['get', 'rollout', 'vote']).catch((e: unknown) => e)) as KubectlError
    expect(calls).toHaveLength(1)
    expect(error.notFound).toBe(true)
    expect(error.transient).toBe(false)
  })

  it('tells transient failures from the rest', () => {
    expect(isTransient('Error from server (ServiceUnavailable): the server is currently unable to handle the request')).toBe(true)
    expect(isTransient('error: context deadline exceeded (Client.Timeout exceeded while awaiting headers)')).toBe(true)
    expect(isTransient('Error from server (InternalError): Internal error occurred: etcdserver: request timed out')).toBe(true)
    expect(isTransient('Error from server (Forbidden): rollouts.argoproj.io "vote" is forbidden')).toBe(false)
    expect(isTransient('Error from server (Invalid): the server rejected our request')).toBe(false)
  })

  it('in dry-run prints each write as a command a person could run, and runs only reads', async () => {
    const { calls, exec } = recorder([{ exitCode: 0, stdout: '{}' }])
    const log = memoryLogger()
    const kubectl = new Kubectl({ log, clock: new VirtualClock(), exec, dryRun: true })
    expect(await kubectl.write(['patch', 'rollout', 'vote', '-n', 'qa', '--type=merge', '-p', '{"spec":{"paused":false}}'])).toBeUndefined()
    await kubectl.read(['get', 'rollout', 'vote'])
    expect(log.lines).toEqual([`dry-run, would run: kubectl patch rollout vote -n qa --type=merge -p '{"spec":{"paused":false}}'`])
    expect(calls.map((c) => c.args[0])).toEqual(['get'])
  })

  it('quotes for display only', () => {
    expect(displayCommand('kubectl', ['patch', '-p', `{"a":"it's"}`])).toBe(`kubectl patch -p '{"a":"it'\\''s"}'`)
  })
})

const rollout = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  parseRollout({
    metadata: { name: 'vote', namespace: 'voting01-qa', generation: 3 },
    spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy:1' }, { name: 'vote', image: 'vote:1' }] } }, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }] } }, ...spec },
    status: { phase: 'Paused', currentStepIndex: 1, canary: { weights: { canary: { weight: 20 }, stable: { weight: 80 } } }, ...status }
  })

describe('rollout changes without the plugin: the patches the plugin issues', () => {
  async function patchesFor(act: (client: RolloutClient) => Promise<void>) {
    const { calls, exec } = recorder([{ exitCode: 0, stdout: '{}' }])
    const client = new RolloutClient(new Kubectl({ log: memoryLogger(), clock: new VirtualClock(), exec, env: { PATH: '/nonexistent' } }), 'vote', 'voting01-qa', memoryLogger())
    await act(client)
    return calls.map((c) => c.args.filter((a) => !a.startsWith('--request-timeout')).join(' '))
  }

  it('abort: status.abort true on the status subresource', async () => {
    expect(await patchesFor((c) => c.abort())).toEqual(['patch rollout vote -n voting01-qa --subresource=status --type=merge -p {"status":{"abort":true}}'])
  })

  it('retry: status.abort false', async () => {
    expect(await patchesFor((c) => c.retry())).toEqual(['patch rollout vote -n voting01-qa --subresource=status --type=merge -p {"status":{"abort":false}}'])
  })

  it('promote: clears the pause conditions; unpauses a user pause first; skips a step with nothing to clear', async () => {
    expect(await patchesFor((c) => c.promote(false, rollout({ pauseConditions: [{ reason: 'CanaryPauseStep' }], controllerPause: true })))).toEqual([
      'patch rollout vote -n voting01-qa --subresource=status --type=merge -p {"status":{"pauseConditions":null}}'
    ])
    expect(await patchesFor((c) => c.promote(false, rollout({ pauseConditions: [{ reason: 'CanaryPauseStep' }] }, { paused: true })))).toEqual([
      'patch rollout vote -n voting01-qa --type=merge -p {"spec":{"paused":false}}',
      'patch rollout vote -n voting01-qa --subresource=status --type=merge -p {"status":{"pauseConditions":null}}'
    ])
    expect(await patchesFor((c) => c.promote(false, rollout({ pauseConditions: [{ reason: 'InconclusiveAnalysisRun' }], controllerPause: true })))).toEqual([
      'patch rollout vote -n voting01-qa --subresource=status --type=merge -p {"status":{"pauseConditions":null,"controllerPause":false,"currentStepIndex":2}}'
    ])
    expect(await patchesFor((c) => c.promote(false, rollout({ phase: 'Progressing', currentStepIndex: 1 })))).toEqual([
      'patch rollout vote -n voting01-qa --subresource=status --type=merge -p {"status":{"pauseConditions":null,"currentStepIndex":2}}'
    ])
  })

  it('promote --full: status.promoteFull true', async () => {
    expect(await patchesFor((c) => c.promote(true, rollout({ pauseConditions: [{ reason: 'CanaryPauseStep' }] })))).toEqual([
      'patch rollout vote -n voting01-qa --subresource=status --type=merge -p {"status":{"promoteFull":true}}'
    ])
  })

  it('set image: a JSON patch on the container found by name, guarded by a test of that name', async () => {
    expect(await patchesFor((c) => c.setImage('vote', 'vote:2', rollout({})))).toEqual([
      'patch rollout vote -n voting01-qa --type=json -p [{"op":"test","path":"/spec/template/spec/containers/1/name","value":"vote"},{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"vote:2"}]'
    ])
  })

  it('refuses names that are not Kubernetes names', () => {
    expect(() => new RolloutClient(new Kubectl({ log: memoryLogger(), clock: new VirtualClock() }), '--all', 'qa', memoryLogger())).toThrow(/not a valid Kubernetes name/)
  })
})

describe('reading a rollout', () => {
  it('takes the canary weight from the status, or without traffic routing from the last setWeight passed', () => {
    expect(rollout({}).canaryWeight).toBe(20)
    const replicaBased = (status: Record<string, unknown>) =>
      parseRollout({ metadata: { name: 'vote' }, spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] } } }, status })
    expect(replicaBased({ currentStepIndex: 0 }).canaryWeight).toBe(0)
    expect(replicaBased({ currentStepIndex: 1 }).canaryWeight).toBe(20)
    expect(replicaBased({ currentStepIndex: 3 }).canaryWeight).toBe(50)
    expect(replicaBased({ currentStepIndex: 3, abort: true }).canaryWeight).toBe(0)
    expect(replicaBased({ currentStepIndex: 4 }).canaryWeight).toBe(0)
  })
})
