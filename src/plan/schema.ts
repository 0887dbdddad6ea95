// The shapes of the Argo documents canary-gate reads, as users keep them for the cluster. These
// schemas check structure only; values that may hold `{{args.x}}` (durations, counts, conditions)
// are checked once the args are substituted (instantiate.ts).
import { z } from 'zod'

const text = z.string({ error: 'must be text' })
const wholeOrText = z.union([z.number().int(), z.string()], {
  error: 'must be a whole number (or text such as "{{args.count}}")'
})
const numberOrText = z.union([z.number(), z.string()], { error: 'must be a number' })
const header = z.strictObject({ key: text.min(1, 'must not be empty'), value: text })
const headers = z.array(header, { error: 'must be a list of {key, value} pairs' })

const oauth2 = z.strictObject({
  tokenUrl: text,
  clientId: text,
  clientSecret: text,
  scopes: z.array(text).optional()
})
const basicAuth = z.strictObject({ username: text, password: text })

const prometheus = z.strictObject({
  address: text.optional(),
  query: text.min(1, 'must not be empty'),
  timeout: wholeOrText.optional(),
  insecure: z.boolean().optional(),
  headers: headers.optional(),
  rangeQuery: z
    .strictObject({ start: text, end: text, step: text })
    .optional(),
  authentication: z
    .strictObject({
      oauth2: oauth2.optional(),
      basicAuth: basicAuth.optional(),
      sigv4: z.record(z.string(), z.unknown()).optional()
    })
    .optional()
})

const newRelic = z.strictObject({
  profile: text.optional(),
  query: text.min(1, 'must not be empty'),
  timeout: wholeOrText.optional()
})

const web = z.strictObject({
  url: text.min(1, 'must not be empty'),
  method: z.enum(['GET', 'POST', 'PUT'], { error: 'must be GET, POST or PUT' }).optional(),
  headers: headers.optional(),
  body: text.optional(),
  jsonBody: z.unknown().optional(),
  timeoutSeconds: wholeOrText.optional(),
  jsonPath: text.optional(),
  insecure: z.boolean().optional(),
  authentication: z.strictObject({ oauth2: oauth2.optional() }).optional()
})

const job = z.looseObject({
  metadata: z
    .looseObject({
      labels: z.record(z.string(), text).optional(),
      annotations: z.record(z.string(), text).optional()
    })
    .optional(),
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        containers: z.array(z.looseObject({ name: text })).min(1, 'needs at least one container')
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

export const metricSchema = z.strictObject({
  name: text.min(1, 'must not be empty'),
  interval: text.optional(),
  initialDelay: text.optional(),
  count: wholeOrText.optional(),
  successCondition: text.optional(),
  failureCondition: text.optional(),
  failureLimit: wholeOrText.optional(),
  inconclusiveLimit: wholeOrText.optional(),
  consecutiveErrorLimit: wholeOrText.optional(),
  consecutiveSuccessLimit: wholeOrText.optional(),
  // canary-gate shorthand for Argo's spec.dryRun list
  dryRun: z.boolean({ error: 'must be true or false' }).optional(),
  // Flagger's shorthand: success when min ≤ value ≤ max
  thresholdRange: z
    .strictObject({ min: numberOrText.optional(), max: numberOrText.optional() })
    .optional(),
  provider: z.record(z.string(), z.unknown(), { error: 'must name one provider, e.g. prometheus: {…}' })
})
export type RawMetric = z.infer<typeof metricSchema>

const argSchema = z.strictObject({
  name: text.min(1, 'must not be empty'),
  value: z.union([z.string(), z.number(), z.boolean()], { error: 'must be text' }).optional(),
  valueFrom: z
    .strictObject({
      secretKeyRef: z.strictObject({ name: text, key: text }).optional(),
      fieldRef: z.strictObject({ fieldPath: text }).optional(),
      podTemplateHashValue: z.enum(['Stable', 'Latest'], { error: 'must be Stable or Latest' }).optional()
    })
    .optional()
})
export type RawArg = z.infer<typeof argSchema>

export const templateSchema = z.looseObject({
  apiVersion: text.optional(),
  kind: z.enum(['AnalysisTemplate', 'ClusterAnalysisTemplate']),
  metadata: z.looseObject({ name: text.min(1, 'must not be empty'), namespace: text.optional() }),
  spec: z.looseObject({
    args: z.array(argSchema).optional(),
    metrics: z.array(z.unknown()).min(1, 'needs at least one metric'),
    dryRun: z.array(z.strictObject({ metricName: text })).optional(),
    measurementRetention: z.array(z.unknown()).optional()
  })
})
export type RawTemplate = z.infer<typeof templateSchema>

const stepArg = z.strictObject({
  name: text.min(1, 'must not be empty'),
  value: z.union([z.string(), z.number(), z.boolean()], { error: 'must be text' }).optional(),
  valueFrom: argSchema.shape.valueFrom
})
export type RawStepArg = z.infer<typeof stepArg>

const templateRef = z.strictObject({
  templateName: text.min(1, 'must not be empty'),
  clusterScope: z.boolean().optional()
})

const analysisRef = z.looseObject({
  templates: z.array(templateRef).min(1, 'needs at least one template'),
  args: z.array(stepArg).optional(),
  dryRun: z.array(z.strictObject({ metricName: text })).optional()
})

export const stepSchema = z.union(
  [
    z.strictObject({ setWeight: z.number().int().min(0).max(100) }),
    z.strictObject({
      pause: z.strictObject({ duration: z.union([z.string(), z.number().int()]).optional() })
    }),
    z.strictObject({ analysis: analysisRef })
  ],
  { error: 'must be one of setWeight, pause or analysis' }
)
export type RawStep = z.infer<typeof stepSchema>

export const rolloutSchema = z.looseObject({
  kind: z.literal('Rollout'),
  metadata: z.looseObject({ name: text.min(1), namespace: text.optional() }),
  spec: z.looseObject({
    strategy: z.looseObject({
      canary: z
        .looseObject({
          steps: z.array(z.unknown()).optional(),
          analysis: analysisRef.extend({ startingStep: z.number().int().min(0).optional() }).optional()
        })
        .optional()
    })
  })
})
export type RawRollout = z.infer<typeof rolloutSchema>
export type RawAnalysisRef = z.infer<typeof analysisRef>
