// Seed 002's validator gating an Argo Rollout through the bundle (`command: run`): the step's args
// take the canary's and the baseline's pod-template hashes from the rollout (valueFrom
// podTemplateHashValue Latest / Stable), and a real Prometheus holds the service's series labelled
// by those hashes. A healthy canary is promoted; an erroring one is aborted at its first analysis,
// with the baseline's arg taken straight from the cluster in the metric's `baseline` block.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { podTemplateHash } from '../../emulators/kube/server.js'
import { canaryTraffic, gaugeSeries, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { ROOT } from '../../emulators/runner.js'
import { startCluster, type Cluster } from '../support/cluster.js'

const NAMESPACE = 'ml-qa'
const HEALTHY_IMAGE = 'registry.example.com/recommender:1.5.0'
const ERRORING_IMAGE = 'registry.example.com/recommender:1.6.0'

type Template = { spec: { containers: Array<{ image: string }> } }
let rollout: Record<string, unknown>
/** The pod-template hash of the rollout's template running `image` (the stable one when not given). */
function hashOf(image?: string): string {
  const template = structuredClone((rollout.spec as { template: Template }).template)
  if (image) template.spec.containers[0].image = image
  return podTemplateHash(template)
}

let prometheus: PrometheusServer
let cluster: Cluster | undefined
beforeAll(async () => {
  rollout = parse(await readFile(path.join(ROOT, 'examples/validator/rollout.yaml'), 'utf8')) as Record<string, unknown>
  const now = Date.now()
  const version = (v: string, rps: number, errors: number) => [
    ...canaryTraffic({ app: 'recommender', version: v, requestsPerSecond: rps, errorRatio: errors, minutes: 15, now }),
    gaugeSeries({ name: 'model_prediction_confidence', labels: { app: 'recommender', version: v }, value: 0.91, minutes: 15, now })
  ]
  prometheus = await startPrometheus({
    series: [...version(hashOf(), 40, 0.003), ...version(hashOf(HEALTHY_IMAGE), 10, 0.003), ...version(hashOf(ERRORING_IMAGE), 10, 0.012)]
  })
}, 120_000)
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})
afterAll(async () => {
  await prometheus?.close()
})

/** The queries of every metric in the JSON report, joined. */
function queriesOf(report: Record<string, unknown> | undefined): string {
  const analyses = (report?.analyses ?? []) as Array<{ metrics: Array<{ query?: string }> }>
  return analyses.flatMap((a) => a.metrics.map((m) => m.query ?? '')).join('\n')
}

function inputs(image: string, plan: string): Record<string, string> {
  return { command: 'run', rollout: 'recommender', namespace: NAMESPACE, image: `recommender=${image}`, plan, 'prometheus-url': prometheus.url, 'poll-interval': '10s', timeout: '60m' }
}

describe("seed 002's validator gating a Rollout against its stable pods", () => {
  it('promotes a canary within 110 % of its baseline at both analyses, measured by the pods’ hashes', async () => {
    cluster = await startCluster({ rollout })
    const run = await cluster.run({ inputs: inputs(HEALTHY_IMAGE, 'examples/validator/rollout.yaml examples/validator/analysis-templates.yaml') })
    expect(run.stderr).toBe('')
    expect(run.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    // The queries named the hash of the canary's pods, which the cluster reported.
    expect(queriesOf(run.report)).toContain(`version="${hashOf(HEALTHY_IMAGE)}"`)
    expect(run.stdout).toMatch(/error-ratio #1: 0\.003 \(baseline 0\.003\) → Successful/)
    const analyses = (run.report as { analyses: Array<{ label: string; verdict: string }> }).analyses
    expect(analyses.map((a) => [a.label, a.verdict])).toEqual([
      ['step 3/7', 'Successful'],
      ['step 6/7', 'Successful']
    ])
  })

  it('aborts a canary with four times the baseline’s errors at its first analysis; the baseline arg read from the cluster', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-validator-'))
    const templates = (await readFile(path.join(ROOT, 'examples/validator/analysis-templates.yaml'), 'utf8')).replaceAll(
      'value: "{{args.stable-version}}"',
      'valueFrom: { podTemplateHashValue: Stable }'
    )
    expect(templates).toContain('podTemplateHashValue: Stable')
    await writeFile(path.join(dir, 'templates.yaml'), templates)
    cluster = await startCluster({ rollout })
    const run = await cluster.run({ inputs: inputs(ERRORING_IMAGE, `examples/validator/rollout.yaml ${dir}/templates.yaml`) })
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(run.outputs['failed-metrics']).toContain('error-ratio')
    // 0.003 is the stable pods' ratio: the baseline was measured under their hash.
    expect(run.stdout).toMatch(/error-ratio #1: 0\.012 \(baseline 0\.003\) → Failed/)
    const live = cluster.kube.getRollout(NAMESPACE, 'recommender') as { status: { abort?: boolean; canary?: { weights?: { canary?: { weight?: number } } } } }
    expect(live.status.abort).toBe(true)
    expect(live.status.canary?.weights?.canary?.weight).toBe(0)
    expect(cluster.kube.events.some((e) => e.weight === 50)).toBe(false)
  })
})
