// The `targets` input: several regions or clusters gated in one run, one entry each. The YAML is
// checked here for its shape (zod); each entry's values are then read by the same code as the
// top-level inputs (readInputs on the entry merged over them), so a namespace, a context or a URL
// obeys the same rules and registers the same secrets, and its problems name the entry and field.
import * as z from 'zod/mini'
import { parseDocument } from 'yaml'
import { ConfigError, type ConfigIssue, type IssueList } from '../config-error.js'
import type { Inputs, InputReader } from '../inputs.js'
import { suggestion } from '../plan/templates.js'
import { SECRET_NAME, type Secrets } from '../secrets.js'

z.config(z.locales.en())

export const WAVES = ['first-then-rest', 'parallel'] as const
export type Waves = (typeof WAVES)[number]

/** An entry's field → the top-level input it falls back to. */
export const TARGET_FIELDS = {
  name: undefined,
  'kube-context': 'context',
  namespace: 'namespace',
  rollout: 'rollout',
  deployment: 'deployment',
  'prometheus-url': 'prometheus-url',
  args: 'args'
} as const satisfies Record<string, string | undefined>

const text = z.string({ error: 'must be text' })
const label = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required: a short name for the region or cluster (eu-west)' : 'must be text') })
  .check(z.maxLength(63, 'must be at most 63 characters'), z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes label-style name (lower-case letters, digits and "-")'))
// args as `name=value` lines (as the top-level input), or as a mapping.
const args = z.union([text, z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))], { error: 'must be name=value lines (or a mapping of names to values)' })
const entrySchema = z.strictObject({
  name: label,
  'kube-context': z.optional(text),
  namespace: z.optional(text),
  rollout: z.optional(text),
  deployment: z.optional(text),
  'prometheus-url': z.optional(text),
  args: z.optional(args)
})
const listSchema = z.array(entrySchema, { error: 'must be a YAML list, one entry per region or cluster (- name: eu-west …)' }).check(z.minLength(1, 'is an empty list: give one entry per region or cluster, or leave the input out'))

export type TargetEntry = z.infer<typeof entrySchema>

/** One region or cluster of the run, with the inputs its `run` sees. */
export interface TargetSpec {
  name: string
  inputs: Inputs
}

const WHERE = 'input "targets"'

function entryName(raw: unknown, index: number): string {
  const name = Array.isArray(raw) && raw[index] && typeof raw[index] === 'object' ? (raw[index] as { name?: unknown }).name : undefined
  return typeof name === 'string' && name !== '' ? `entry ${index + 1} (${name.slice(0, 63)})` : `entry ${index + 1}`
}

/** "did you mean": a misspelt field, or an input's name for the field that falls back to it (context → kube-context). */
function hint(key: string): string {
  const renamed = Object.entries(TARGET_FIELDS).find(([field, input]) => input === key && field !== key)?.[0]
  if (renamed) return ` (did you mean "${renamed}"?)`
  return suggestion(key, Object.keys(TARGET_FIELDS)) || ` (an entry takes ${Object.keys(TARGET_FIELDS).join(', ')}; the other inputs are shared by every target)`
}

/** The list's shape: YAML, a list, known fields, unique names. Values are never quoted: URLs and args carry secrets. */
export function parseTargets(value: string, issues: IssueList): TargetEntry[] | undefined {
  const doc = parseDocument(value, { uniqueKeys: true })
  if (doc.errors.length) {
    for (const error of doc.errors.slice(0, 5)) {
      const at = error.linePos?.[0]
      // The parser's message quotes the line after a colon: only its first words are kept.
      issues.add({ where: WHERE, field: at ? `line ${at.line}` : undefined, message: `is not valid YAML (${error.message.split(/:\s*\n|\n/)[0].replace(/ at line \d+, column \d+$/, '')})` })
    }
    return undefined
  }
  const raw: unknown = doc.toJS()
  const checked = listSchema.safeParse(raw)
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const [index, ...rest] = issue.path
      const subject = typeof index === 'number' ? entryName(raw, index) : undefined
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) issues.add({ where: WHERE, subject, field: key, message: `unknown field${hint(key)}` })
        continue
      }
      const message = issue.message.replace(/^Invalid input: /, '').replace(/received/, 'got')
      issues.add({ where: WHERE, subject, field: rest.map(String).join('.') || undefined, message })
    }
    return undefined
  }
  const seen = new Map<string, number>()
  checked.data.forEach((entry, index) => {
    const first = seen.get(entry.name)
    if (first !== undefined) issues.add({ where: WHERE, subject: entryName(raw, index), field: 'name', message: `"${entry.name}" is also the name of entry ${first + 1}: each target needs its own name` })
    else seen.set(entry.name, index)
  })
  return issues.empty ? checked.data : undefined
}

function argsText(value: TargetEntry['args']): string {
  if (value === undefined) return ''
  if (typeof value === 'string') return value
  return Object.entries(value)
    .map(([name, v]) => `${name}=${String(v)}`)
    .join('\n')
}

/** The input names, as the runner reads them, for each entry field. */
const INPUT_TO_FIELD: Map<string, string> = new Map(Object.entries(TARGET_FIELDS).flatMap(([field, input]) => (input ? [[input, field] as const] : [])))

/**
 * Each entry's inputs: the entry's fields over the top-level inputs, read by `read` (readInputs)
 * so every value is checked, and every secret registered, as the top-level ones are.
 */
export function readTargets(get: InputReader, entries: TargetEntry[], secrets: Secrets, issues: IssueList, read: (get: InputReader, secrets: Secrets) => Inputs): TargetSpec[] {
  const specs: TargetSpec[] = []
  const topArgs = get('args')
  const topLines = topArgs === '' ? 0 : topArgs.split(/\r?\n/).length
  entries.forEach((entry, index) => {
    const own = argsText(entry.args)
    // Secret-looking args are masked now, not only when a template uses them.
    for (const line of own.split(/\r?\n/)) {
      const eq = line.indexOf('=')
      if (eq > 0 && SECRET_NAME.test(line.slice(0, eq))) secrets.add(line.slice(eq + 1).trim())
    }
    const merged: InputReader = (name) => {
      if (name === 'targets' || name === 'waves') return ''
      // Later lines win in the args input: the entry's args go after the top-level ones.
      if (name === 'args') return own === '' ? topArgs : topArgs === '' ? own : `${topArgs}\n${own}`
      const field = INPUT_TO_FIELD.get(name) as keyof TargetEntry | undefined
      const value = field ? entry[field] : undefined
      return typeof value === 'string' ? value.trim() : get(name)
    }
    try {
      specs.push({ name: entry.name, inputs: read(merged, secrets) })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      for (const issue of error.issues) issues.add(entryIssue(issue, `entry ${index + 1} (${entry.name})`, topLines))
    }
  })
  return specs
}

/** `input "context": …` of an entry's merged inputs → `input "targets": entry 2 (us-east): kube-context: …`. */
function entryIssue(issue: ConfigIssue, subject: string, topArgsLines: number): ConfigIssue {
  const input = /^input "(.+)"$/.exec(issue.where)?.[1]
  if (input === undefined) return { ...issue, subject: [subject, issue.subject].filter(Boolean).join(': ') }
  const field = INPUT_TO_FIELD.get(input) ?? input
  let detail = issue.field
  const line = /^line (\d+)$/.exec(detail ?? '')
  if (input === 'args' && line) detail = `line ${Number(line[1]) - topArgsLines}`
  return { where: WHERE, subject, field: [field, detail].filter(Boolean).join(' '), message: issue.message }
}
