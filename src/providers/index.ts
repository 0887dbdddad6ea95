// The provider for each metric kind, built once per action run from the inputs.
import type { Clock } from '../clock.js'
import type { MetricSpec } from '../analysis/types.js'
import { useForDisplay, type Secrets } from '../secrets.js'
import { HttpClient, preloadHttpClient } from './http-client.js'
import { NewRelicProvider, type NewRelicSettings } from './newrelic.js'
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
  // The HTTP client loads while the plan's first step gets ready.
  preloadHttpClient()
  const http = new HttpClient(settings.clock, settings.secrets)
  const providers: Record<MetricSpec['provider']['kind'], Provider> = {
    prometheus: new PrometheusProvider({
      defaultUrl: settings.prometheusUrl,
      defaultHeaders: settings.prometheusHeaders,
      http,
      wallNow: settings.wallNow ?? Date.now,
      secrets: settings.secrets
    }),
    newRelic: new NewRelicProvider(settings.newRelic, http),
    web: new WebProvider(http, settings.secrets),
    job: settings.job ?? unavailable('job')
  }
  return (metric) => providers[metric.provider.kind]
}
