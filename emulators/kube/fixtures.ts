// Manifests for tests and the demo: the seed team's Rollout (seeds/000_85648ca810f23964.txt): setWeight
// 20, pause 2m, analysis, setWeight 50, pause 3m, analysis, setWeight 100, pause 1m, analysis. The seed
// shows only the strategy; the rest (replicas, selector, image, traffic routing) is filled in plainly.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

/** The seed team's steps, read from the example Rollout the action's own tests and demo use. */
export const SEED_STEPS: Array<Record<string, unknown>> = (
  (parse(readFileSync(new URL('../../examples/voting01/rollout.yaml', import.meta.url), 'utf8')) as { spec: { strategy: { canary: { steps: Array<Record<string, unknown>> } } } }).spec.strategy.canary
).steps

/** The steps as canary-gate runs them: every analysis step becomes an indefinite pause. */
export function analysisAsPause(steps: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return steps.map((step) => ('analysis' in step ? { pause: {} } : step))
}

export function seedRollout(
  options: { name?: string; namespace?: string; image?: string; replicas?: number; steps?: Array<Record<string, unknown>>; spec?: Record<string, unknown> } = {}
): Record<string, unknown> {
  const name = options.name ?? 'vote'
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: options.namespace ?? 'voting01-qa', labels: { 'app.kubernetes.io/name': 'voting01' } },
    spec: {
      replicas: options.replicas ?? 3,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: options.image ?? `registry.example.com/${name}:v1`, ports: [{ containerPort: 80 }] }] }
      },
      strategy: {
        canary: {
          canaryService: `${name}-canary`,
          stableService: `${name}-stable`,
          trafficRouting: { nginx: { stableIngress: name } },
          steps: options.steps ?? SEED_STEPS
        }
      },
      ...options.spec
    }
  }
}
