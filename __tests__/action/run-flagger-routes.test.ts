// command run with a Flagger `Canary` used as it is, through the bundle (the cluster:
// __tests__/support/flagger-cluster.ts): A/B by header, Gateway API weights, cancellation.
import { describe, expect, it } from '@jest/globals'
import { annotations, canaryWeight, currentRouter, get, NEW, routeWeights, start } from '../support/flagger-cluster.js'

describe('command run with a Flagger Canary: A/B, Gateway API, cancellation', () => {
  it('A/B by header, 10 iterations: only the insiders reach the canary, the rest stay on the primary; promoted', async () => {
    const { run } = await start({
      canary: 'examples/flagger/canary-ab.yaml',
      streams: [
        { via: 'nginx', perMinute: 600 },
        { via: 'nginx', perMinute: 300, headers: { 'x-canary': 'insider' } }
      ]
    })
    let sawMatch = false
    const result = await run({}, { onOutput: () => (sawMatch ||= annotations()['nginx.ingress.kubernetes.io/canary-by-header-value'] === 'insider') })
    expect(result.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(sawMatch).toBe(true)
    for (let i = 1; i <= 10; i++) expect(result.stdout).toContain(`Advance podinfo.test canary iteration ${i}/10`)
    expect(result.stdout).toContain('requests matching x-canary: insider go to the canary (read back)')
    // the canary served insiders only
    const served = currentRouter().traffic.versions()
    expect(served.find((v) => v.deployment === 'podinfo-canary')?.count).toBeGreaterThan(50)
    expect(annotations()['nginx.ingress.kubernetes.io/canary-by-header']).toBeUndefined()
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(NEW)
  })

  it("Gateway API: the HTTPRoute's weights go 90/10 … 50/50, Flagger's builtin queries on the pods' own histograms, promoted 100/0", async () => {
    const { run } = await start({ canary: 'examples/flagger/canary-gatewayapi.yaml', streams: [{ via: 'gateway-api', perMinute: 1200 }] })
    const seen = new Set<string>()
    const result = await run({}, { onOutput: () => seen.add(routeWeights().join('/')) })
    expect(result.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    for (const split of ['90/10', '70/30', '50/50']) expect(seen.has(split)).toBe(true)
    expect(routeWeights()).toEqual([100, 0])
    expect(result.summary).toContain('via Gateway API, httproute podinfo')
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(NEW)
  })

  it('a cancelled workflow rolls the Canary back; a Canary with target-kind rollout is refused before the cluster is touched', async () => {
    const { run } = await start({ canary: 'examples/flagger/canary-nginx.yaml', streams: [{ via: 'nginx', perMinute: 600 }] })
    const cancelled = await run({}, { cancel: { when: (log) => /Advance podinfo\.test canary weight 10/.test(log), signal: 'SIGINT' } })
    expect(cancelled.outputs).toMatchObject({ verdict: 'Inconclusive', outcome: 'aborted' })
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    const refused = await run({ 'target-kind': 'rollout', rollout: 'podinfo' })
    expect(refused.exitCode).toBe(1)
    expect(refused.stdout).toMatch(/canary "podinfo": is a Flagger Canary, which releases a Deployment: set target-kind: deployment/)
  })
})
