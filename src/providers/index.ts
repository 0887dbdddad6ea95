// The provider for each metric kind, built once per action run from the inputs.
import type { Clock } from '../clock.js'
import type { MetricSpec } from '../analysis/types.js'
import { useForDisplay, type Secrets } from '../secrets.js'
import { NewRelicProvider, type NewRelicSettings } from './newrelic.js'
import { TokenCache } from './oauth2.js'
import { PrometheusProvider } from './prometheus.js'
import { MeasurementError, type Provider } from './provider.js'
import { WebProvider } from './web.js'

export interface ProviderSettings {
  clock: Clock
  secrets: Secrets
  prometheusUrl?: string
  prometheusHeaders: Array<{ key: string; value: string }>
  newRelic: NewRelicSettings
  /** The job provider needs the cluster; absent for analyze. */
  job?: Provider
  wallNow?: () => number
}

const unavailable = (kind: string): Provider => ({
  measure: async () => {
    throw new MeasurementError(`${kind}: not available in this command`, { permanent: true })
  }
})

export function createProviders(settings: ProviderSettings): (metric: MetricSpec) => Provider {
  // Answer excerpts are cut with shorten(), which must know this run's secrets to redact before it cuts.
  useForDisplay(settings.secrets)
  const tokens = new TokenCache(settings.clock, settings.secrets)
  const providers: Record<MetricSpec['provider']['kind'], Provider> = {
    prometheus: new PrometheusProvider({
      defaultUrl: settings.prometheusUrl,
      defaultHeaders: settings.prometheusHeaders,
      tokens,
      wallNow: settings.wallNow ?? Date.now,
      secrets: settings.secrets
    }),
    newRelic: new NewRelicProvider(settings.newRelic),
    web: new WebProvider(tokens, settings.secrets),
    job: settings.job ?? unavailable('job')
  }
  return (metric) => providers[metric.provider.kind]
}
