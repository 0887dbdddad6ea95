// Checks of the metrics a command is about to run, made before anything is measured.
import type { MetricSpec } from '../analysis/types.js'
import type { IssueList } from '../config-error.js'
import type { CommandContext } from './context.js'

/** Metrics that would run until stopped cannot give a verdict on their own. */
export function checkFinite(metrics: MetricSpec[], where: string, issues: IssueList): void {
  for (const metric of metrics) {
    if (metric.count === undefined) {
      issues.add({
        where: metric.location,
        subject: `metric "${metric.name}"`,
        field: 'count',
        message: `has an interval but no count, so it would measure until stopped; give it a count for ${where}`
      })
    }
  }
}

/** Credentials the chosen metrics need, named by input. */
export function checkCredentials(metrics: MetricSpec[], context: CommandContext, issues: IssueList): void {
  const newRelic = metrics.filter((m) => m.provider.kind === 'newRelic')
  if (newRelic.length === 0) return
  const names = newRelic.map((m) => m.name).join(', ')
  if (!context.inputs.newRelic.apiKey) issues.add({ where: 'input "newrelic-api-key"', message: `is required by the newRelic metrics ${names}` })
  if (context.inputs.newRelic.accountId === undefined) {
    issues.add({ where: 'input "newrelic-account-id"', message: `is required by the newRelic metrics ${names}` })
  }
}

