// The metric providers as every command builds them from the inputs; the Job provider is run's own
// (it needs the cluster), so a command without one gets the providers' "not available".
import { createProviders } from '../providers/index.js'
import type { Provider } from '../providers/provider.js'
import type { MetricSpec } from '../analysis/types.js'
import type { CommandContext } from './context.js'

export function providersFor(context: CommandContext, job?: Provider): (metric: MetricSpec) => Provider {
  const { inputs, clock, secrets } = context
  return createProviders({
    clock,
    secrets,
    prometheusUrl: inputs.prometheusUrl,
    prometheusHeaders: inputs.prometheusHeaders,
    newRelic: { apiKey: inputs.newRelic.apiKey, accountId: inputs.newRelic.accountId, graphqlUrl: inputs.newRelic.graphqlUrl },
    job
  })
}
