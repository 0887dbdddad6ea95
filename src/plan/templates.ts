// AnalysisTemplate and ClusterAnalysisTemplate documents → checked templates, every structural
// problem reported at its file and line.
import * as z from 'zod/mini'
import type { IssueList } from '../config-error.js'
import type { SourceDocument, YamlPath } from './load.js'
import { metricSchema, providerSchemas, SUPPORTED_PROVIDERS, templateSchema, type ProviderKind, type RawArg, type RawMetric } from './schema.js'

export interface TemplateMetric {
  raw: RawMetric
  provider: ProviderKind
  /** Path of the metric in its document, for line numbers. */
  path: YamlPath
}

export interface AnalysisTemplate {
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate'
  name: string
  doc: SourceDocument
  args: RawArg[]
  metrics: TemplateMetric[]
  /** Argo's spec.dryRun metricName patterns ("*" or a regular expression). */
  dryRun: string[]
}

export const TEMPLATE_KINDS = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate'])

/** `provider.prometheus.headers[0].key` from a path. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out ? `.${String(part)}` : String(part)
  }
  return out
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]
}

/** The known name `key` is probably a misspelling of: the same but for case, or a few edits away. */
export function closest(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = editDistance(key, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best && bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined
}

/** "did you mean …?" for a misspelt field. */
export function suggestion(key: string, known: Iterable<string>): string {
  const best = closest(key, known)
  return best ? ` (did you mean "${best}"?)` : ''
}

function unwrapOptional(schema: unknown): unknown {
  return schema instanceof z.ZodMiniOptional ? schema.def.innerType : schema
}

/** The field names the schema allows at `path`, for "did you mean" hints. */
function knownKeys(schema: z.ZodMiniType, path: ReadonlyArray<PropertyKey>): string[] {
  let current = unwrapOptional(schema)
  for (const part of path) {
    if (typeof part === 'number' && current instanceof z.ZodMiniArray) current = unwrapOptional(current.def.element)
    else if (typeof part === 'string' && current instanceof z.ZodMiniObject) current = unwrapOptional(current.def.shape[part])
    else return []
  }
  return current instanceof z.ZodMiniObject ? Object.keys(current.def.shape) : []
}

/** Reports zod issues at their lines; `base` is the path of the checked value in the document. */
export function reportZodIssues(
  error: z.core.$ZodError,
  doc: SourceDocument,
  base: YamlPath,
  subject: string,
  issues: IssueList,
  schema: z.ZodMiniType,
  fieldBase: YamlPath = []
): void {
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path)
      for (const key of issue.keys) {
        const path = [...issue.path, key]
        issues.add({
          where: doc.at([...base, ...(path as YamlPath)]),
          subject,
          field: fieldPath([...fieldBase, ...path]),
          message: `unknown field${suggestion(key, known)}`
        })
      }
      continue
    }
    const message = issue.message.replace(/^Invalid input: /, '').replace(/received/, 'got')
    issues.add({
      where: doc.at([...base, ...(issue.path as YamlPath)]),
      subject,
      field: fieldPath([...fieldBase, ...issue.path]) || undefined,
      message: message === 'Invalid input' ? 'is not valid here' : message
    })
  }
}

function readMetric(raw: unknown, index: number, doc: SourceDocument, issues: IssueList): TemplateMetric | undefined {
  const path: YamlPath = ['spec', 'metrics', index]
  const name = raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : `#${index + 1}`
  const subject = `metric "${name}"`
  const parsed = metricSchema.safeParse(raw)
  if (!parsed.success) {
    reportZodIssues(parsed.error, doc, path, subject, issues, metricSchema)
    return undefined
  }
  const providerKeys = Object.keys(parsed.data.provider)
  if (providerKeys.length !== 1) {
    issues.add({
      where: doc.at([...path, 'provider']),
      subject,
      field: 'provider',
      message: providerKeys.length === 0 ? `names no provider (supported: ${SUPPORTED_PROVIDERS.join(', ')})` : `names ${providerKeys.length} providers (${providerKeys.join(', ')}); a metric has exactly one`
    })
    return undefined
  }
  const kind = providerKeys[0]
  if (!(SUPPORTED_PROVIDERS as string[]).includes(kind)) {
    issues.add({
      where: doc.at([...path, 'provider', kind]),
      subject,
      field: `provider.${kind}`,
      message: `provider "${kind}" is not supported by canary-gate (supported: ${SUPPORTED_PROVIDERS.join(', ')})${suggestion(kind, SUPPORTED_PROVIDERS)}`
    })
    return undefined
  }
  const providerKind = kind as ProviderKind
  const providerSchema = providerSchemas[providerKind]
  const config = providerSchema.safeParse(parsed.data.provider[kind])
  if (!config.success) {
    reportZodIssues(config.error, doc, [...path, 'provider', kind], subject, issues, providerSchema, ['provider', kind])
    return undefined
  }
  return { raw: parsed.data, provider: providerKind, path }
}

function readTemplate(doc: SourceDocument, issues: IssueList): AnalysisTemplate | undefined {
  const subject = `${doc.kind === 'ClusterAnalysisTemplate' ? 'cluster template' : 'template'} "${doc.name || '?'}"`
  // The kind is the one meant: a misspelt kind was reported when the file was read.
  const parsed = templateSchema.safeParse({ ...doc.value, kind: doc.kind })
  if (!parsed.success) {
    reportZodIssues(parsed.error, doc, [], subject, issues, templateSchema)
    return undefined
  }
  const { spec, metadata, kind } = parsed.data
  if (spec.templates) {
    // Argo merges the referenced templates' metrics and args into this one; dropping the
    // references would run the template without the metrics they bring.
    const names = spec.templates.map((ref) => `${ref.clusterScope ? 'ClusterAnalysisTemplate ' : ''}${ref.templateName}`).join(', ')
    issues.add({
      where: doc.at(['spec', 'templates']),
      subject,
      field: 'spec.templates',
      message: `template composition (templates: ${names}) is not supported by canary-gate yet: name the templates side by side in the Rollout's analysis step (templates: [{templateName: …}, …]), or copy their metrics into this template`
    })
  } else if (!spec.metrics || spec.metrics.length === 0) {
    issues.add({ where: doc.at(['spec', 'metrics']), subject, field: 'spec.metrics', message: 'needs at least one metric' })
  }
  const metrics: TemplateMetric[] = []
  const seen = new Map<string, number>()
  ;(spec.metrics ?? []).forEach((raw, index) => {
    const metric = readMetric(raw, index, doc, issues)
    if (!metric) return
    const previous = seen.get(metric.raw.name)
    if (previous !== undefined) {
      issues.add({
        where: doc.at([...metric.path, 'name']),
        subject: `metric "${metric.raw.name}"`,
        field: 'name',
        message: `appears twice in ${subject} (also at line ${doc.lineOf(['spec', 'metrics', previous, 'name'])})`
      })
      return
    }
    seen.set(metric.raw.name, index)
    metrics.push(metric)
  })
  const argNames = new Set<string>()
  for (const [index, arg] of (spec.args ?? []).entries()) {
    if (argNames.has(arg.name)) {
      issues.add({ where: doc.at(['spec', 'args', index, 'name']), subject, field: `spec.args[${index}].name`, message: `arg "${arg.name}" is declared twice` })
    }
    argNames.add(arg.name)
  }
  // A template with broken metrics is still returned with its good ones, so their problems are
  // reported in the same run; the broken ones were reported above.
  return {
    kind,
    name: metadata.name,
    doc,
    args: spec.args ?? [],
    metrics,
    dryRun: (spec.dryRun ?? []).map((entry) => entry.metricName)
  }
}

/** Every template in the plan; problems go to `issues`. */
export function readTemplates(docs: SourceDocument[], issues: IssueList): AnalysisTemplate[] {
  const templates: AnalysisTemplate[] = []
  const seen = new Map<string, SourceDocument>()
  for (const doc of docs) {
    if (!TEMPLATE_KINDS.has(doc.kind)) continue
    const template = readTemplate(doc, issues)
    if (!template) continue
    const key = `${template.kind}/${template.name}`
    const previous = seen.get(key)
    if (previous) {
      issues.add({
        where: doc.at(['metadata', 'name']),
        subject: `${template.kind} "${template.name}"`,
        message: `is defined twice (also at ${previous.at(['metadata', 'name'])})`
      })
      continue
    }
    seen.set(key, doc)
    templates.push(template)
  }
  return templates
}
