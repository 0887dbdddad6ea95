// A child process of `npm run bench:decisions`: runs the tasks it is sent, one at a time, and
// answers each with its tally. Each judge's template is read through the plan code once.
import type { MetricSpec } from '../../src/analysis/types.js'
import { runTask, type Task, type TaskResult } from './bench.js'
import { JUDGES, loadJudge } from './judges.js'

const loaded = new Map<string, MetricSpec[]>()

async function metricsOf(id: string): Promise<MetricSpec[]> {
  let metrics = loaded.get(id)
  if (!metrics) {
    const judge = JUDGES.find((j) => j.id === id)
    if (!judge) throw new Error(`no judge "${id}"`)
    metrics = (await loadJudge(judge)).metrics
    loaded.set(id, metrics)
  }
  return metrics
}

process.on('message', (message: Task | 'stop') => {
  if (message === 'stop') {
    process.disconnect()
    return
  }
  metricsOf(message.judge)
    .then((metrics) => runTask(message, metrics))
    .then(
      (result: TaskResult) => process.send?.({ ok: true, result }),
      (error: unknown) => process.send?.({ ok: false, id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    )
})
