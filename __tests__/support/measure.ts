// Runs metrics through the real engine and the real providers, on the real clock, once each.
import { runAnalysis } from '../../src/analysis/engine.js'
import type { AnalysisOutcome, MetricSpec } from '../../src/analysis/types.js'
import { systemClock } from '../../src/clock.js'
import { memoryLogger } from '../../src/log.js'
import { createProviders, type ProviderSettings } from '../../src/providers/index.js'
import { Secrets } from '../../src/secrets.js'

export type Settings = Partial<Omit<ProviderSettings, 'clock' | 'secrets'>> & { secrets?: Secrets }

export async function analyse(metrics: MetricSpec[], settings: Settings = {}): Promise<AnalysisOutcome & { log: string[] }> {
  const log = memoryLogger()
  const secrets = settings.secrets ?? new Secrets()
  const providerFor = createProviders({
    clock: systemClock,
    secrets,
    prometheusHeaders: [],
    newRelic: { graphqlUrl: 'http://127.0.0.1:9/graphql' },
    ...settings
  })
  const outcome = await runAnalysis({ metrics, providerFor, clock: systemClock, log })
  return { ...outcome, log: log.lines }
}

/** The first measurement of the first metric: phase, value and message. */
export async function measureOnce(spec: MetricSpec, settings: Settings = {}) {
  const outcome = await analyse([{ ...spec, count: 1, consecutiveErrorLimit: 0 }], settings)
  const [first] = outcome.metrics[0].tally.measurements
  return { verdict: outcome.verdict, phase: first.phase, value: first.value, message: first.message, permanent: first.permanent, log: outcome.log, outcome }
}

/** An outcome as text, for looking for secrets in it (parsed conditions hold bigint literals). */
export function outcomeText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))
}
