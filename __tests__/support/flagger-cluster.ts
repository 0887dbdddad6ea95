// The Flagger scenarios' cluster for the tests (scripts/flagger-scenario.ts), closed after each test,
// and what the tests read from it.
import { afterEach } from '@jest/globals'
import { FLAGGER_NS, startFlaggerScenario, type FlaggerScenario, type FlaggerScenarioOptions } from '../../scripts/flagger-scenario.js'
import type { RouterEmulator } from '../../emulators/router/server.js'

export { FLAGGER_NS as NS, PODINFO_NEW as NEW, PODINFO_OLD as OLD, type Hook } from '../../scripts/flagger-scenario.js'

let scenario: FlaggerScenario | undefined
afterEach(async () => {
  await scenario?.close()
  scenario = undefined
})

export async function start(options: FlaggerScenarioOptions): Promise<FlaggerScenario> {
  scenario = await startFlaggerScenario(options)
  return scenario
}

/** The router of the running scenario. */
export const currentRouter = (): RouterEmulator => scenario!.router

export const get = (resource: string, name: string): any => scenario!.kube.getObject(resource, FLAGGER_NS, name) // eslint-disable-line @typescript-eslint/no-explicit-any
export const annotations = (): Record<string, string> => get('ingresses', 'podinfo-canary')?.metadata.annotations ?? {}
export const canaryWeight = (): string | undefined => annotations()['nginx.ingress.kubernetes.io/canary-weight']
export const routeWeights = (): number[] => get('httproutes', 'podinfo').spec.rules[0].backendRefs.map((r: { weight: number }) => r.weight)

export interface ReportShape {
  verdict: string
  outcome: string
  reasons: string[]
  steps: Array<{ kind: string; result: string; weight?: number; description: string }>
  abort?: { canaryWeightBefore: number; canaryWeightAfter?: number }
  rollout: { kind?: string; router?: { kind: string; object: string } }
}
