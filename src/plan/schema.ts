// The shapes of the Argo documents canary-gate reads, as users keep them for the cluster. These
// schemas check structure only; values that may hold `{{args.x}}` (durations, counts, conditions)
// are checked once the args are substituted (instantiate.ts). Zod's mini build: the same checks,
// at a fraction of the start-up time of the chained API (the action's first measurement waits on it).
import * as z from 'zod/mini'

// English messages for the checks that carry none of their own ("expected string, received number").
z.config(z.locales.en())

const opt = z.optional
const text = z.string({ error: 'must be text' })
const nonEmpty = z.string({ error: 'must be text' }).check(z.minLength(1, 'must not be empty'))
const wholeOrText = z.union([z.int(), z.string()], { error: 'must be a whole number (or text such as "{{args.count}}")' })
const numberOrText = z.union([z.number(), z.string()], { error: 'must be a number' })
const flag = z.boolean({ error: 'must be true or false' })
const header = z.strictObject({ key: nonEmpty, value: text })
const headers = z.array(header, { error: 'must be a list of {key, value} pairs' })

const oauth2 = z.strictObject({ tokenUrl: text, clientId: text, clientSecret: text, scopes: opt(z.array(text)) })
const basicAuth = z.strictObject({ username: text, password: text })

const prometheus = z.strictObject({
  address: opt(text),
  query: nonEmpty,
  timeout: opt(wholeOrText),
  insecure: opt(flag),
  headers: opt(headers),
  rangeQuery: opt(z.strictObject({ start: text, end: text, step: text })),
  authentication: opt(z.strictObject({ oauth2: opt(oauth2), basicAuth: opt(basicAuth), sigv4: opt(z.record(z.string(), z.unknown())) }))
})

const newRelic = z.strictObject({ profile: opt(text), query: nonEmpty, timeout: opt(wholeOrText) })

const web = z.strictObject({
  url: nonEmpty,
  method: opt(z.enum(['GET', 'POST', 'PUT'], { error: 'must be GET, POST or PUT' })),
  headers: opt(headers),
  body: opt(text),
  jsonBody: opt(z.unknown()),
  timeoutSeconds: opt(wholeOrText),
  jsonPath: opt(text),
  insecure: opt(flag),
  authentication: opt(z.strictObject({ oauth2: opt(oauth2) }))
})

const job = z.looseObject({
  metadata: opt(z.looseObject({ labels: opt(z.record(z.string(), text)), annotations: opt(z.record(z.string(), text)) })),
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        containers: z.array(z.looseObject({ name: text })).check(z.minLength(1, 'needs at least one container'))
      })
    })
  })
})

export const providerSchemas = { prometheus, newRelic, web, job } as const
export type ProviderKind = keyof typeof providerSchemas
export const SUPPORTED_PROVIDERS = Object.keys(providerSchemas) as ProviderKind[]

export type PrometheusConfig = z.infer<typeof prometheus>
export type NewRelicConfig = z.infer<typeof newRelic>
export type WebConfig = z.infer<typeof web>
export type JobConfig = z.infer<typeof job>

const argValue = z.union([z.string(), z.number(), z.boolean()], { error: 'must be text' })
const valueFrom = z.strictObject({
  secretKeyRef: opt(z.strictObject({ name: text, key: text })),
  fieldRef: opt(z.strictObject({ fieldPath: text })),
  podTemplateHashValue: opt(z.enum(['Stable', 'Latest'], { error: 'must be Stable or Latest' }))
})

const argSchema = z.strictObject({ name: nonEmpty, value: opt(argValue), valueFrom: opt(valueFrom) })
export type RawArg = z.infer<typeof argSchema>

// canary-gate's own metric fields (judges and baselines). Numbers may be "{{args.x}}" text: they are
// checked once substituted, as counts and limits are.
const baseline = z.strictObject({
  args: z.array(argSchema, { error: 'must be a list of {name, value} args' }).check(z.minLength(1, 'needs at least one arg that differs from the canary’s'))
})
const sampleSize = z.strictObject({
  minimum: numberOrText,
  unit: opt(nonEmpty),
  query: opt(nonEmpty),
  value: opt(nonEmpty)
})
const sequentialOptions = {
  alpha: opt(numberOrText),
  tolerance: opt(numberOrText),
  passTolerance: opt(numberOrText)
}
const mannWhitney = z.strictObject({
  direction: opt(z.enum(['increase', 'decrease', 'either'], { error: 'must be increase, decrease or either' })),
  critical: opt(flag),
  mustHaveData: opt(flag),
  nanStrategy: opt(z.enum(['remove', 'replace'], { error: 'must be remove or replace' })),
  effectSize: opt(
    z.strictObject({
      measure: opt(z.enum(['meanRatio', 'cles'], { error: 'must be meanRatio or cles' })),
      allowedIncrease: opt(numberOrText),
      criticalIncrease: opt(numberOrText),
      allowedDecrease: opt(numberOrText),
      criticalDecrease: opt(numberOrText)
    })
  ),
  outliers: opt(z.strictObject({ strategy: opt(z.enum(['keep', 'remove'], { error: 'must be keep or remove' })), outlierFactor: opt(numberOrText) })),
  minSamples: opt(wholeOrText),
  confidence: opt(numberOrText),
  group: opt(nonEmpty),
  samples: opt(nonEmpty),
  unit: opt(nonEmpty)
})
const sequentialRate = z.strictObject({ ...sequentialOptions, events: opt(nonEmpty) })
const sequentialMean = z.strictObject({ ...sequentialOptions, minSamples: opt(wholeOrText), samples: opt(nonEmpty), unit: opt(nonEmpty) })
export const judgeSchemas = { mannWhitney, sequentialRate, sequentialMean } as const
export type JudgeKind = keyof typeof judgeSchemas
const judge = z.strictObject({ mannWhitney: opt(mannWhitney), sequentialRate: opt(sequentialRate), sequentialMean: opt(sequentialMean) })
export type RawJudge = z.infer<typeof judge>

export const metricSchema = z.strictObject({
  name: nonEmpty,
  interval: opt(text),
  initialDelay: opt(text),
  count: opt(wholeOrText),
  successCondition: opt(text),
  failureCondition: opt(text),
  failureLimit: opt(wholeOrText),
  inconclusiveLimit: opt(wholeOrText),
  consecutiveErrorLimit: opt(wholeOrText),
  consecutiveSuccessLimit: opt(wholeOrText),
  // canary-gate shorthand for Argo's spec.dryRun list
  dryRun: opt(flag),
  // Flagger's shorthand: success when min ≤ value ≤ max
  thresholdRange: opt(z.strictObject({ min: opt(numberOrText), max: opt(numberOrText) })),
  // canary-gate: compare with the baseline, on enough data, by a judge
  baseline: opt(baseline),
  sampleSize: opt(sampleSize),
  judge: opt(judge),
  provider: z.record(z.string(), z.unknown(), { error: 'must name one provider, e.g. prometheus: {…}' })
})
export type RawMetric = z.infer<typeof metricSchema>

const metricNameRef = z.strictObject({ metricName: nonEmpty })
const retention = z.strictObject({ metricName: nonEmpty, limit: z.int({ error: 'must be a whole number' }) })
const templateRef = z.strictObject({ templateName: nonEmpty, clusterScope: opt(flag) })

// Strict all the way to the metrics: a misspelt key here (spec.dryrun, spec.metric) would otherwise
// drop what it holds without a word. `status` is allowed so that `kubectl get -o yaml` output reads.
export const templateSchema = z.strictObject({
  apiVersion: opt(text),
  kind: z.enum(['AnalysisTemplate', 'ClusterAnalysisTemplate']),
  metadata: z.looseObject({ name: nonEmpty, namespace: opt(text) }),
  spec: z.strictObject({
    args: opt(z.array(argSchema, { error: 'must be a list of {name, value} args' })),
    metrics: opt(z.array(z.unknown(), { error: 'must be a list of metrics' })),
    dryRun: opt(z.array(metricNameRef, { error: 'must be a list of {metricName} entries' })),
    measurementRetention: opt(z.array(retention, { error: 'must be a list of {metricName, limit} entries' })),
    // Argo's template composition: read so that it can be refused by name (templates.ts).
    templates: opt(z.array(templateRef, { error: 'must be a list of {templateName} references' })),
    // canary-gate: Kayenta's score over the analysis' mannWhitney metrics (checked in instantiate.ts).
    scoring: opt(
      z.strictObject({
        groups: opt(z.record(z.string(), z.number({ error: 'must be a number (a weight in percent)' }), { error: 'must map group names to weights, e.g. { latency: 60, errors: 40 }' })),
        pass: z.number({ error: 'must be a number from 0 to 100' }),
        marginal: z.number({ error: 'must be a number from 0 to 100' })
      })
    ),
    // An AnalysisRun field that templates carry in practice (the seed's does); the cluster drops it
    // from a template, and it decides nothing, so it is accepted and ignored.
    ttlStrategy: opt(z.unknown())
  }),
  status: opt(z.unknown())
})
export type RawTemplate = z.infer<typeof templateSchema>
export type RawScoring = NonNullable<RawTemplate['spec']['scoring']>

const stepArg = z.strictObject({ name: nonEmpty, value: opt(argValue), valueFrom: opt(valueFrom) })
export type RawStepArg = z.infer<typeof stepArg>

const analysisRefShape = {
  templates: z.array(templateRef, { error: 'must be a list of {templateName} references' }).check(z.minLength(1, 'needs at least one template')),
  args: opt(z.array(stepArg, { error: 'must be a list of {name, value} args' })),
  dryRun: opt(z.array(metricNameRef, { error: 'must be a list of {metricName} entries' })),
  measurementRetention: opt(z.array(retention, { error: 'must be a list of {metricName, limit} entries' })),
  analysisRunMetadata: opt(z.strictObject({ labels: opt(z.record(z.string(), text)), annotations: opt(z.record(z.string(), text)) }))
}
const analysisRef = z.strictObject(analysisRefShape)

/** The three steps canary-gate acts on, each checked on its own so a mistake is named exactly. */
export const stepSchemas = {
  setWeight: z.int({ error: 'must be a whole number from 0 to 100' }).check(z.gte(0, 'must be at least 0'), z.lte(100, 'must be at most 100')),
  pause: z.strictObject({ duration: opt(z.union([z.string(), z.int()], { error: 'must be a duration such as 30s or 2m, or a number of seconds' })) }),
  analysis: analysisRef
} as const
export type StepKind = keyof typeof stepSchemas

// Fields canary-gate does not read are still named, so that a misspelt one (`stpes`, `analyses`) is
// reported instead of ignored; their values are the controller's to check.
const controllerOwned = opt(z.unknown())
const canary = z.strictObject({
  canaryService: controllerOwned,
  stableService: controllerOwned,
  steps: opt(z.array(z.unknown(), { error: 'must be a list of steps' })),
  trafficRouting: controllerOwned,
  maxUnavailable: controllerOwned,
  maxSurge: controllerOwned,
  analysis: opt(z.strictObject({ ...analysisRefShape, startingStep: opt(z.int({ error: 'must be a whole number' }).check(z.gte(0, 'must be at least 0'))) })),
  antiAffinity: controllerOwned,
  canaryMetadata: controllerOwned,
  stableMetadata: controllerOwned,
  scaleDownDelaySeconds: controllerOwned,
  scaleDownDelayRevisionLimit: controllerOwned,
  abortScaleDownDelaySeconds: controllerOwned,
  dynamicStableScale: controllerOwned,
  pingPong: controllerOwned,
  minPodsPerReplicaSet: controllerOwned,
  replicaProgressThreshold: controllerOwned
})

export const rolloutSchema = z.strictObject({
  apiVersion: opt(text),
  kind: z.literal('Rollout'),
  metadata: z.looseObject({ name: nonEmpty, namespace: opt(text) }),
  // The pod template and the rest of the spec are the controller's; only the strategy is read.
  spec: z.looseObject({
    strategy: z.strictObject({ canary: opt(canary), blueGreen: controllerOwned })
  }),
  status: opt(z.unknown())
})
export type RawRollout = z.infer<typeof rolloutSchema>
export type RawAnalysisRef = z.infer<typeof analysisRef>
