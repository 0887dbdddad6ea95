// The post step (action.yml runs.post, the same bundle): when the runner kills the main step before it
// could abort the canary it started, the post step aborts it and says so; when the main step settled
// the canary itself, the post step does nothing.
import { afterEach, describe, expect, it } from '@jest/globals'
import { deployInputs, NEW_IMAGE, rolloutOf, seedJobs, startCluster, type Cluster } from '../support/cluster.js'

let cluster: Cluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe('the post step', () => {
  it('aborts the canary a killed main step had started, and says so in the summary', async () => {
    cluster = await startCluster({ scale: 60 })
    cluster.kube.setJobBehavior(seedJobs(() => 0.4))
    // SIGKILL: the main step gets no chance to abort or report.
    const main = await cluster.run({ inputs: deployInputs(), cancel: { signal: 'SIGKILL', when: (log) => /step 2\/9 pause 2m/.test(log) } })
    expect(main.signal).toBe('SIGKILL')
    expect(main.outputs.verdict).toBeUndefined()
    expect(rolloutOf(cluster.kube)).toMatchObject({ abort: undefined, image: NEW_IMAGE })
    expect(JSON.parse(main.state.canary)).toMatchObject({ rollout: 'vote', namespace: 'voting01-qa', abortOnCancel: true })

    const post = await cluster.run({ inputs: deployInputs(), post: { state: main.state } })
    expect(post.exitCode).toBe(0)
    expect(rolloutOf(cluster.kube)).toMatchObject({ abort: true, phase: 'Degraded', weight: 0 })
    expect(post.summary).toMatch(/canary-gate(&#39;|')s main step was stopped before it could finish, so the post step aborted rollout vote in voting01-qa: canary traffic 20% → 0%/)
    expect(post.stdout).toContain('::warning::canary-gate')
    expect(cluster.kube.events.some((e) => e.weight === 100)).toBe(false)
  })

  it('does nothing after a main step that finished, and only reports when abort-on-cancel is false', async () => {
    cluster = await startCluster({ scale: 60 })
    cluster.kube.setJobBehavior(seedJobs(() => 2.68))
    const main = await cluster.run({ inputs: deployInputs() })
    expect(main.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(JSON.parse(main.state.finished)).toEqual({ outcome: 'aborted', interrupted: false })
    const patchesBefore = cluster.kube.requests.filter((r) => r.method === 'PATCH').length
    const post = await cluster.run({ inputs: deployInputs(), post: { state: main.state } })
    expect(post.exitCode).toBe(0)
    expect(post.summary).toBe('')
    expect(cluster.kube.requests.filter((r) => r.method === 'PATCH').length).toBe(patchesBefore)

    await cluster.close()
    cluster = await startCluster({ scale: 60 })
    cluster.kube.setJobBehavior(seedJobs(() => 0.4))
    const keep = deployInputs({ 'abort-on-cancel': 'false' })
    const killed = await cluster.run({ inputs: keep, cancel: { signal: 'SIGKILL', when: (log) => /step 2\/9 pause 2m/.test(log) } })
    const left = await cluster.run({ inputs: keep, post: { state: killed.state } })
    expect(left.summary).toContain('abort-on-cancel is false, so rollout vote in voting01-qa was left as it was')
    expect(rolloutOf(cluster.kube).abort).toBeUndefined()
  })
})
