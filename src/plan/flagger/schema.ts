// Flagger's documents as Flagger defines them (flagger.app/v1beta1: pkg/apis/flagger/v1beta1/canary.go
// and metric.go, and the CRD's validation in artifacts/flagger/crd.yaml, read at fluxcd/flagger
// 15bd6ad5). Every field Flagger knows is named, so that a misspelt one is reported at its line
// instead of dropped (the cluster's pruning would drop it without a word); the fields canary-gate
// does not act on (mesh settings, alerts, session affinity) are accepted as they are.
import * as z from 'zod/mini'

z.config(z.locales.en())

const opt = z.optional
const text = z.string({ error: 'must be text' })
const nonEmpty = z.string({ error: 'must be text' }).check(z.minLength(1, 'must not be empty'))
const whole = z.int({ error: 'must be a whole number' })
const number = z.number({ error: 'must be a number' })
const flag = z.boolean({ error: 'must be true or false' })
const strings = z.record(z.string(), text, { error: 'must map names to text values' })
/** Fields Flagger reads for routers canary-gate does not drive: named, their values left to Flagger. */
const flaggerOwned = opt(z.unknown())

const localRef = z.strictObject({ apiVersion: opt(text), kind: opt(text), name: nonEmpty })
const crossNamespaceRef = z.strictObject({ apiVersion: opt(text), kind: opt(text), name: nonEmpty, namespace: opt(text) })

/** Gateway API ParentReference (gatewayRefs). */
const parentRef = z.strictObject({
  group: opt(text),
  kind: opt(text),
  namespace: opt(text),
  name: nonEmpty,
  sectionName: opt(text),
  port: opt(whole)
})

/** Istio's StringMatch, as the CRD allows it for A/B header matches: exactly one of the four. */
const stringMatch = z.strictObject({ exact: opt(text), prefix: opt(text), suffix: opt(text), regex: opt(text) })

/** Istio's HTTPMatchRequest (analysis.match, service.match). */
const matchRequest = z.strictObject({
  name: opt(text),
  uri: opt(stringMatch),
  scheme: opt(stringMatch),
  method: opt(stringMatch),
  authority: opt(stringMatch),
  headers: opt(z.record(z.string(), stringMatch, { error: 'must map header names to {exact | prefix | suffix | regex}' })),
  port: opt(whole),
  sourceLabels: opt(strings),
  gateways: opt(z.array(text)),
  queryParams: opt(z.record(z.string(), stringMatch)),
  ignoreUriCase: opt(flag),
  withoutHeaders: opt(z.record(z.string(), stringMatch)),
  sourceNamespace: opt(text)
})
export type RawMatch = z.infer<typeof matchRequest>

const service = z.strictObject({
  name: opt(text),
  port: whole,
  portName: opt(text),
  targetPort: opt(z.union([z.int(), z.string()], { error: 'must be a port number or name' })),
  appProtocol: opt(text),
  trafficDistribution: opt(text),
  portDiscovery: opt(flag),
  headless: opt(flag),
  timeout: opt(text),
  backendTimeout: opt(text),
  gateways: opt(z.array(text)),
  gatewayRefs: opt(z.array(parentRef, { error: 'must be a list of Gateway references ({name, namespace})' })),
  hosts: opt(z.array(text)),
  delegation: opt(flag),
  trafficPolicy: flaggerOwned,
  match: opt(z.array(matchRequest)),
  rewrite: flaggerOwned,
  retries: flaggerOwned,
  headers: flaggerOwned,
  mirror: flaggerOwned,
  corsPolicy: flaggerOwned,
  meshName: opt(text),
  backends: opt(z.array(text)),
  apex: flaggerOwned,
  primary: flaggerOwned,
  canary: flaggerOwned,
  unmanagedMetadata: flaggerOwned
})

const metric = z.strictObject({
  name: nonEmpty,
  interval: opt(text),
  // Deprecated by Flagger in favour of thresholdRange; still read by it.
  threshold: opt(number),
  thresholdRange: opt(z.strictObject({ min: opt(number), max: opt(number) })),
  // Deprecated by Flagger in favour of templateRef: PromQL run against the metrics server.
  query: opt(nonEmpty),
  templateRef: opt(crossNamespaceRef),
  templateVariables: opt(strings)
})
export type RawFlaggerMetric = z.infer<typeof metric>

export const WEBHOOK_TYPES = [
  'confirm-rollout',
  'pre-rollout',
  'rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
  'event'
] as const
export type WebhookType = (typeof WEBHOOK_TYPES)[number]

const webhook = z.strictObject({
  name: nonEmpty,
  // "" is Flagger's default: a rollout hook.
  type: opt(z.enum(['', ...WEBHOOK_TYPES], { error: `must be one of ${WEBHOOK_TYPES.join(', ')}` })),
  url: nonEmpty,
  muteAlert: opt(flag),
  timeout: opt(text),
  retries: opt(whole),
  disableTLS: opt(flag),
  metadata: opt(strings)
})
export type RawWebhook = z.infer<typeof webhook>

const alert = z.strictObject({
  name: nonEmpty,
  severity: opt(z.enum(['', 'info', 'warn', 'error'], { error: 'must be info, warn or error' })),
  providerRef: z.strictObject({ name: nonEmpty, namespace: opt(text) })
})

const analysis = z.strictObject({
  interval: opt(text),
  iterations: opt(whole),
  mirror: opt(flag),
  mirrorWeight: opt(whole),
  maxWeight: opt(whole),
  stepWeight: opt(whole),
  stepWeights: opt(z.array(whole, { error: 'must be a list of weights (whole numbers from 1 to 100)' })),
  stepWeightPromotion: opt(whole),
  threshold: opt(whole),
  primaryReadyThreshold: opt(whole),
  canaryReadyThreshold: opt(whole),
  alerts: opt(z.array(alert)),
  metrics: opt(z.array(z.unknown(), { error: 'must be a list of metrics' })),
  webhooks: opt(z.array(z.unknown(), { error: 'must be a list of webhooks' })),
  match: opt(z.array(matchRequest, { error: 'must be a list of HTTP match conditions ({headers: …})' })),
  sessionAffinity: flaggerOwned
})
export type RawAnalysis = z.infer<typeof analysis>

export const canarySchema = z.strictObject({
  apiVersion: opt(text),
  kind: z.literal('Canary'),
  metadata: z.looseObject({ name: nonEmpty, namespace: opt(text) }),
  spec: z.strictObject({
    provider: opt(text),
    metricsServer: opt(text),
    targetRef: localRef,
    autoscalerRef: flaggerOwned,
    ingressRef: opt(localRef),
    routeRef: opt(localRef),
    upstreamRef: flaggerOwned,
    service,
    analysis: opt(analysis),
    progressDeadlineSeconds: opt(whole),
    skipAnalysis: opt(flag),
    revertOnDeletion: opt(flag),
    suspend: opt(flag)
  }),
  // `kubectl get -o yaml` output reads.
  status: opt(z.unknown())
})
export type RawCanary = z.infer<typeof canarySchema>

export const metricSchemas = { metric, webhook } as const

/** The metric providers Flagger knows (the CRD's enum); canary-gate reads the first two. */
export const FLAGGER_METRIC_PROVIDERS = ['prometheus', 'newrelic', 'influxdb', 'datadog', 'externalmetrics', 'stackdriver', 'cloudwatch', 'graphite', 'dynatrace', 'keptn', 'splunk'] as const
export const READ_METRIC_PROVIDERS = ['prometheus', 'newrelic'] as const

export const metricTemplateSchema = z.strictObject({
  apiVersion: opt(text),
  kind: z.literal('MetricTemplate'),
  metadata: z.looseObject({ name: nonEmpty, namespace: opt(text) }),
  spec: z.strictObject({
    provider: z.strictObject({
      type: nonEmpty,
      address: opt(text),
      headers: opt(z.record(z.string(), z.array(text), { error: 'must map header names to lists of values' })),
      secretRef: opt(z.strictObject({ name: nonEmpty })),
      region: opt(text),
      insecureSkipVerify: opt(flag)
    }),
    query: nonEmpty
  }),
  status: opt(z.unknown())
})
export type RawMetricTemplate = z.infer<typeof metricTemplateSchema>
