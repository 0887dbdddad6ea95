// command run with a Flagger `Canary` used as it is, through the bundle: canary-gate is the Canary's
// controller for the run (the cluster: __tests__/support/flagger-cluster.ts). nginx: healthy,
// faulty, and a failing pre-rollout hook.
import { describe, expect, it } from '@jest/globals'
import { canaryWeight, currentRouter, get, NEW, NS, OLD, start, type ReportShape } from '../support/flagger-cluster.js'

describe('command run with a Flagger Canary used as it is', () => {
  it('nginx, healthy: 5 % steps to 50 %, the checks pass every minute, promoted — primary on the new image, canary at 0', async () => {
    const { run, hooks } = await start({ canary: 'examples/flagger/canary-nginx.yaml', streams: [{ via: 'nginx', perMinute: 1200 }] })
    const result = await run()
    const report = result.report as unknown as ReportShape
    expect(result.stderr).toBe('')
    expect(result.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    // Flagger's own lines, in Flagger's order
    for (const line of ['New revision detected! Scaling up podinfo.test', 'Starting canary analysis for podinfo.test', 'Pre-rollout check acceptance-test passed', 'Advance podinfo.test canary weight 5', 'Advance podinfo.test canary weight 10', 'Advance podinfo.test canary weight 50', 'Copying podinfo.test template spec to podinfo-primary.test', 'Routing all traffic to primary', 'Promotion completed! Scaling down podinfo.test']) {
      expect(result.stdout).toContain(line)
    }
    expect(result.stdout.indexOf('Advance podinfo.test canary weight 5\n')).toBeLessThan(result.stdout.indexOf('Advance podinfo.test canary weight 10'))
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(NEW)
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(canaryWeight()).toBe('0')
    // the weights the report shows, one step each, and the router named
    expect(report.steps.filter((s) => s.kind === 'setWeight').map((s) => s.weight)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50])
    expect(report.rollout).toMatchObject({ kind: 'deployment', router: { kind: 'nginx', object: 'ingress podinfo-canary' } })
    expect(result.summary).toContain('Traffic to the new version of podinfo (%) via nginx, ingress podinfo-canary')
    // Flagger's webhook payloads: the pre-rollout hook once, the load test at every check
    expect(hooks.filter((h) => h.metadata?.type === 'bash')).toEqual([{ name: 'podinfo', namespace: NS, phase: 'Progressing', checksum: expect.any(String), metadata: { type: 'bash', cmd: "curl -sd 'test' http://podinfo-canary/token | grep token" } }])
    expect(hooks.filter((h) => h.metadata?.cmd?.startsWith('hey')).length).toBeGreaterThanOrEqual(10)
  })

  it("nginx, 5 % errors: each check halts on Flagger's success rate, and five failed checks roll it back — weight 0, canary at 0", async () => {
    const { run } = await start({ canary: 'examples/flagger/canary-nginx.yaml', canaryErrorRatio: 0.05, streams: [{ via: 'nginx', perMinute: 3000 }] })
    const result = await run()
    const report = result.report as unknown as ReportShape
    expect(result.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    // (a warning annotation: the runner shows %25 as %)
    expect(result.stdout).toMatch(/Halt podinfo\.test advancement success rate 9\d\.\d\d%25 < 99%25/)
    expect(result.stdout).toContain('Rolling back podinfo.test failed checks threshold reached 5')
    expect(result.stdout).toContain('Canary failed! Scaling down podinfo.test')
    expect(report.reasons[0]).toBe('Rolling back podinfo.test failed checks threshold reached 5')
    // the first check sees the canary's first requests: at 5 % errors they may hold no error yet
    expect(report.abort).toMatchObject({ canaryWeightBefore: expect.any(Number), canaryWeightAfter: 0 })
    expect([5, 10]).toContain(report.abort!.canaryWeightBefore)
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(OLD)
    expect(result.summary).toContain('request-success-rate')
  })

  it('a failing pre-rollout hook counts as a failed check: five of them roll the canary back before it takes traffic', async () => {
    const { run, hooks } = await start({ canary: 'examples/flagger/canary-nginx.yaml', streams: [{ via: 'nginx', perMinute: 600 }], hookStatus: (hook) => (hook.metadata?.type === 'bash' ? 500 : 200) })
    const result = await run()
    expect(result.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(result.stdout).toMatch(/Halt podinfo\.test advancement pre-rollout check acceptance-test failed/)
    expect(result.stdout).toContain('Rolling back podinfo.test failed checks threshold reached 5')
    expect(hooks.filter((h) => h.metadata?.type === 'bash').length).toBeGreaterThanOrEqual(5)
    expect(currentRouter().traffic.versions().find((v) => v.deployment === 'podinfo-canary')?.count ?? 0).toBe(0)
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
  })

})
