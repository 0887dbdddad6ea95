// AnalysisTemplate and ClusterAnalysisTemplate documents → checked templates, every structural
// problem reported at its file and line. A template composed of others (`spec.templates`) is read
// as Argo Rollouts reads it: flattened into one template holding every metric, arg and dryRun rule
// of the templates it names, recursively.
import * as z from 'zod/mini'
import { IssueList } from '../config-error.js'
import type { SourceDocument, YamlPath } from './load.js'
import { metricSchema, providerSchemas, SUPPORTED_PROVIDERS, templateSchema, type ProviderKind, type RawArg, type RawMetric, type RawScoring } from './schema.js'

export interface TemplateMetric {
  raw: RawMetric
  provider: ProviderKind
  /** The document the metric is written in: a composed template holds metrics of other files. */
  doc: SourceDocument
  /** Path of the metric in its document, for line numbers. */
  path: YamlPath
}

/** Where an arg or a dryRun rule of a template is written: a composed template gathers them from several. */
export interface DeclaredAt {
  /** `file:line`. */
  where: string
  /** The template that declares it. */
  template: string
  /** Its position in that template's list (spec.args[index], spec.dryRun[index]). */
  index: number
}

/** A template's `scoring` (canary-gate), with where it is written. */
export interface DeclaredScoring {
  value: RawScoring
  /** The template that declares it. */
  template: string
  doc: SourceDocument
}

export interface AnalysisTemplate {
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate'
  name: string
  doc: SourceDocument
  /** Args, merged across the templates it is composed of as Argo merges them. */
  args: RawArg[]
  /** Where each of `args` is declared, in the same order. */
  argSources: DeclaredAt[]
  metrics: TemplateMetric[]
  /** Argo's spec.dryRun metricName patterns ("*" or a regular expression). */
  dryRun: string[]
  /** Where each of `dryRun` is written, in the same order. */
  dryRunSources: DeclaredAt[]
  /** Its scoring, or that of a template it is made of (at most one: two are an error). */
  scoring?: DeclaredScoring
  /**
   * The templates this one is made of, as `kind/name`: itself first, then those its spec.templates
   * name, recursively, each once. A template that composes none has only itself.
   */
  members: string[]
  /** The members' own contents, so a step naming overlapping templates runs each member once. */
  parts: readonly TemplatePart[]
}

/** One template's own contents, before composition. */
export interface TemplatePart {
  key: string
  kind: AnalysisTemplate['kind']
  name: string
  doc: SourceDocument
  metrics: TemplateMetric[]
  args: RawArg[]
  argSources: DeclaredAt[]
  dryRun: string[]
  dryRunSources: DeclaredAt[]
  retention: Array<{ metricName: string; where: string }>
  scoring?: DeclaredScoring
  /** spec.templates as written, with the line of each reference. */
  refs: Array<{ key: string; kind: AnalysisTemplate['kind']; name: string; path: YamlPath }>
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
  return { raw: parsed.data, provider: providerKind, doc, path }
}

const keyOf = (kind: string, name: string): string => `${kind}/${name}`

/** How messages name a template: `template "x"`, `cluster template "x"`. */
function templateSubject(kind: string, name: string): string {
  return `${kind === 'ClusterAnalysisTemplate' ? 'cluster template' : 'template'} "${name || '?'}"`
}

function readTemplate(doc: SourceDocument, issues: IssueList): TemplatePart | undefined {
  const subject = templateSubject(doc.kind, doc.name)
  // The kind is the one meant: a misspelt kind was reported when the file was read.
  const parsed = templateSchema.safeParse({ ...doc.value, kind: doc.kind })
  if (!parsed.success) {
    reportZodIssues(parsed.error, doc, [], subject, issues, templateSchema)
    return undefined
  }
  const { spec, metadata, kind } = parsed.data
  // A template may hold no metrics of its own when it composes others (Argo's docs show both).
  if ((!spec.metrics || spec.metrics.length === 0) && (!spec.templates || spec.templates.length === 0)) {
    issues.add({ where: doc.at(['spec', 'metrics']), subject, field: 'spec.metrics', message: 'needs at least one metric (or spec.templates naming the templates it is made of)' })
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
  const at = (path: YamlPath, index: number): DeclaredAt => ({ where: doc.at(path), template: metadata.name, index })
  // A template with broken metrics is still returned with its good ones, so their problems are
  // reported in the same run; the broken ones were reported above.
  return {
    key: keyOf(kind, metadata.name),
    kind,
    name: metadata.name,
    doc,
    metrics,
    args: spec.args ?? [],
    argSources: (spec.args ?? []).map((_arg, index) => at(['spec', 'args', index], index)),
    dryRun: (spec.dryRun ?? []).map((entry) => entry.metricName),
    dryRunSources: (spec.dryRun ?? []).map((_entry, index) => at(['spec', 'dryRun', index, 'metricName'], index)),
    retention: (spec.measurementRetention ?? []).map((entry, index) => ({ metricName: entry.metricName, where: doc.at(['spec', 'measurementRetention', index]) })),
    scoring: spec.scoring ? { value: spec.scoring, template: metadata.name, doc } : undefined,
    refs: (spec.templates ?? []).map((ref, index) => {
      const refKind = ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'
      return { key: keyOf(refKind, ref.templateName), kind: refKind, name: ref.templateName, path: ['spec', 'templates', index, 'templateName'] }
    })
  }
}

/** A member of a composed template, and the reference of the composed template that brought it in. */
interface Member {
  part: TemplatePart
  /** `file:line` and field of that reference; undefined for the composed template itself. */
  via?: { where: string; field: string }
}

/**
 * The members of `root` in Argo's order (rollout/analysis.go getAnalysisTemplatesFromRefs, then
 * FilterUniqueTemplates): depth first, each template before those it names, every template once;
 * AnalysisTemplates before ClusterAnalysisTemplates. A missing template or a cycle (which Argo
 * would follow forever) is reported at the reference.
 */
function membersOf(root: TemplatePart, parts: Map<string, TemplatePart>, issues: IssueList): Member[] {
  const found: Member[] = []
  const visit = (part: TemplatePart, via: Member['via'], chain: TemplatePart[]): void => {
    found.push({ part, via })
    part.refs.forEach((ref) => {
      const where = part.doc.at(ref.path)
      const field = `spec.templates[${ref.path[2] as number}].templateName`
      const target = parts.get(ref.key)
      if (!target) {
        const available = [...parts.values()].filter((p) => p.kind === ref.kind).map((p) => p.name)
        issues.add({
          where,
          subject: templateSubject(part.kind, part.name),
          field,
          message: `no ${ref.kind} "${ref.name}" in the plan (it has: ${available.join(', ') || 'none'}); add its file to the plan input${ref.kind === 'AnalysisTemplate' && parts.has(keyOf('ClusterAnalysisTemplate', ref.name)) ? ' (a ClusterAnalysisTemplate of that name needs clusterScope: true)' : ''}`
        })
        return
      }
      const loop = chain.findIndex((p) => p.key === target.key)
      if (loop !== -1) {
        const names = [...chain.slice(loop), target].map((p) => `"${p.name}"`).join(' → ')
        issues.add({
          where,
          subject: templateSubject(part.kind, part.name),
          field,
          message: `the templates name each other in a cycle (${names}): Argo would follow it forever; remove one of these references`
        })
        return
      }
      visit(target, via ?? { where, field }, [...chain, target])
    })
  }
  visit(root, undefined, [root])
  const unique = new Map<string, Member>()
  for (const member of found) if (!unique.has(member.part.key)) unique.set(member.part.key, member)
  const ordered = [...unique.values()]
  return [...ordered.filter((m) => m.part.kind === 'AnalysisTemplate'), ...ordered.filter((m) => m.part.kind === 'ClusterAnalysisTemplate')]
}

/**
 * The members' contents merged as Argo's FlattenTemplates merges them (utils/analysis/helpers.go):
 * metrics, dryRun and measurementRetention rules side by side, where a second metric or rule of one
 * name is an error; args merged by name, where a value fills an arg declared without one and two
 * different values are an error. Problems are reported at the reference that brought the member in.
 */
function flatten(root: TemplatePart, members: Member[], issues: IssueList): AnalysisTemplate {
  const subject = templateSubject(root.kind, root.name)
  // A clash between two templates is reported at the reference that brought one of them in (the
  // composed template itself has none); one inside a single template at its own line.
  const report = (member: Member, other: Member, where: string, message: string): void => {
    const via = member.part === other.part ? undefined : (member.via ?? other.via)
    if (via) issues.add({ where: via.where, subject, field: via.field, message })
    else issues.add({ where, subject: templateSubject(member.part.kind, member.part.name), message })
  }
  const from = (member: Member, where: string): string => `of ${templateSubject(member.part.kind, member.part.name)} (${where})`
  const metrics: Array<{ metric: TemplateMetric; member: Member }> = []
  const args: Array<{ arg: RawArg; source: DeclaredAt; member: Member }> = []
  const dryRun: Array<{ rule: string; source: DeclaredAt; member: Member }> = []
  const retention: Array<{ metricName: string; where: string; member: Member }> = []
  let scoring: { value: DeclaredScoring; member: Member } | undefined
  for (const member of members) {
    const own = member.part.scoring
    if (own) {
      const where = own.doc.at(['spec', 'scoring'])
      if (scoring) {
        report(member, scoring.member, where, `scoring ${from(member, where)} meets the scoring ${from(scoring.member, scoring.value.doc.at(['spec', 'scoring']))}: canary-gate gives an analysis one score; keep one scoring`)
      } else scoring = { value: own, member }
    }
    for (const metric of member.part.metrics) {
      const twin = metrics.find((m) => m.metric.raw.name === metric.raw.name)
      if (twin) {
        report(member, twin.member, metric.doc.at(metric.path), `metric "${metric.raw.name}" ${from(member, metric.doc.at(metric.path))} has the name of metric "${twin.metric.raw.name}" ${from(twin.member, twin.metric.doc.at(twin.metric.path))}: Argo refuses two metrics of one name in an analysis; rename one`)
        continue
      }
      metrics.push({ metric, member })
    }
    member.part.args.forEach((arg, index) => {
      const source = member.part.argSources[index]
      const previous = args.findIndex((a) => a.arg.name === arg.name)
      if (previous === -1) {
        args.push({ arg, source, member })
        return
      }
      const before = args[previous]
      if (before.arg.value !== undefined && arg.value !== undefined && String(before.arg.value) !== String(arg.value)) {
        // Within one template, the second declaration was reported when it was read.
        if (before.member.part !== member.part) report(member, before.member, source.where, `arg "${arg.name}" ${from(member, source.where)} has the value "${String(arg.value)}" and ${from(before.member, before.source.where)} the value "${String(before.arg.value)}": Argo refuses an arg with two different values, whatever the Rollout passes; give it one value`)
        return
      }
      // As Argo does: a declaration without a value gives way to the next one.
      if (before.arg.value === undefined) args[previous] = { arg, source, member }
    })
    member.part.dryRun.forEach((rule, index) => {
      const source = member.part.dryRunSources[index]
      const twin = dryRun.find((d) => d.rule === rule)
      if (twin) {
        report(member, twin.member, source.where, `dryRun rule "${rule}" ${from(member, source.where)} is also ${from(twin.member, twin.source.where)}: Argo refuses two dryRun rules for one metricName`)
        return
      }
      dryRun.push({ rule, source, member })
    })
    for (const entry of member.part.retention) {
      const twin = retention.find((r) => r.metricName === entry.metricName)
      if (twin) {
        report(member, twin.member, entry.where, `measurementRetention for "${entry.metricName}" ${from(member, entry.where)} is also ${from(twin.member, twin.where)}: Argo refuses two measurementRetention rules for one metricName`)
        continue
      }
      retention.push({ ...entry, member })
    }
  }
  return {
    kind: root.kind,
    name: root.name,
    doc: root.doc,
    metrics: metrics.map((m) => m.metric),
    args: args.map((a) => a.arg),
    argSources: args.map((a) => a.source),
    dryRun: dryRun.map((d) => d.rule),
    dryRunSources: dryRun.map((d) => d.source),
    scoring: scoring?.value,
    members: members.map((m) => m.part.key),
    parts: members.map((m) => m.part)
  }
}

/**
 * The templates an analysis names, each member template run once, as Argo makes one set of them:
 * a template already part of an earlier one is left out (`[rates, error-rate]` where rates is made
 * of error-rate runs error-rate once), and one that shares members with an earlier one keeps only
 * the rest. Problems were reported when the plan was read.
 */
export function withoutRepeats(templates: AnalysisTemplate[]): AnalysisTemplate[] {
  const covered = new Set<string>()
  const result: AnalysisTemplate[] = []
  for (const template of templates) {
    const rest = template.parts.filter((part) => !covered.has(part.key))
    template.members.forEach((key) => covered.add(key))
    if (rest.length === 0) continue
    if (rest.length === template.parts.length) {
      result.push(template)
      continue
    }
    // A subset of members that merged cleanly merges cleanly again.
    const kept = flatten(rest[0], rest.map((part) => ({ part })), new IssueList())
    result.push({ ...kept, kind: template.kind, name: template.name, doc: template.doc })
  }
  return result
}

/**
 * The templates no other template of the plan is made of: running these runs every template once
 * (analyze with no templates input).
 */
export function topLevelTemplates(templates: AnalysisTemplate[]): AnalysisTemplate[] {
  const inside = new Set(templates.flatMap((t) => t.members.slice(1)))
  return withoutRepeats(templates.filter((t) => !inside.has(keyOf(t.kind, t.name))))
}

/** Every template in the plan, composed templates flattened; problems go to `issues`. */
export function readTemplates(docs: SourceDocument[], issues: IssueList): AnalysisTemplate[] {
  const parts = new Map<string, TemplatePart>()
  for (const doc of docs) {
    if (!TEMPLATE_KINDS.has(doc.kind)) continue
    const part = readTemplate(doc, issues)
    if (!part) continue
    const previous = parts.get(part.key)
    if (previous) {
      issues.add({
        where: doc.at(['metadata', 'name']),
        subject: `${part.kind} "${part.name}"`,
        message: `is defined twice (also at ${previous.doc.at(['metadata', 'name'])})`
      })
      continue
    }
    parts.set(part.key, part)
  }
  return [...parts.values()].map((part) => flatten(part, membersOf(part, parts, issues), issues))
}
