// Reads the `plan` input: files (globs through @actions/glob, `!` excludes), each holding one or
// more YAML documents. Every document keeps its source so a problem can be reported at its file and line.
import { readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { LineCounter, parseAllDocuments, isCollection, isMap, isNode, isPair, isScalar, Scalar, visit, type Document } from 'yaml'
import type { IssueList } from '../config-error.js'
import * as glob from '@actions/glob'
import { closest } from './templates.js'

export type YamlPath = ReadonlyArray<string | number>

export interface SourceDocument {
  /** The file as the user named it (relative to the workspace when possible). */
  file: string
  /** Position of the document in its file, from 0. */
  index: number
  /** The kind canary-gate reads it as (a misspelt kind, already reported, is read as the one meant). */
  kind: string
  name: string
  value: Record<string, unknown>
  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  lineOf(path: YamlPath): number
  /** `file:line` for the node at `path`. */
  at(path: YamlPath): string
}

// What makes a pattern a glob for @actions/glob: `*`, `?`, `[…]`. Braces are literal there
// (no `{a,b}` alternatives), as in actions/cache and upload-artifact.
const GLOB_CHARS = /[*?[\]]/

/**
 * Splits the plan input into patterns: newline- or space-separated paths and globs, `!pattern`
 * excludes, `#` comments to the end of the line. @actions/glob reads one pattern per line only, so
 * the splitting on spaces that the input promises is done here.
 */
export function splitPlanInput(input: string): string[] {
  return input.split(/\r?\n/).flatMap((line) => {
    const words = line.trim().split(/\s+/).filter((word) => word !== '')
    const comment = words.findIndex((word) => word.startsWith('#'))
    return comment === -1 ? words : words.slice(0, comment)
  })
}

const IS_WINDOWS = process.platform === 'win32'

/** A literal path as @actions/glob reads it: its `*`, `?`, `[` (and, off Windows, `\`) escaped. */
function escapeGlob(literal: string): string {
  return (IS_WINDOWS ? literal : literal.replace(/\\/g, '\\\\')).replace(/\[/g, '[[]').replace(/\?/g, '[?]').replace(/\*/g, '[*]')
}

/** The pattern made absolute: @actions/glob resolves relative ones against the process's directory, not the workspace. */
function absolutePattern(pattern: string, cwd: string): string {
  return path.isAbsolute(pattern) ? pattern : path.normalize(`${escapeGlob(path.resolve(cwd))}${path.sep}${pattern}`)
}

/** Version-control and dependency folders are never part of a plan, and can be huge. */
const NEVER = ['.git', 'node_modules']

/** Files (never directories) matching the patterns, in @actions/glob's sense: a later `!pattern` drops what earlier ones matched. */
async function globFiles(patterns: string[]): Promise<string[]> {
  const globber = await glob.create(patterns.join('\n'), { implicitDescendants: false, matchDirectories: false, followSymbolicLinks: true, omitBrokenSymbolicLinks: true })
  return (await globber.glob()).sort()
}

/**
 * The files the patterns name, in order, each pattern checked on its own so a problem names it: a
 * named path that does not exist or is not a file, a glob that matches no .yaml file. A `!pattern`
 * leaves out what the patterns before it matched (a named file too), as @actions/glob reads it.
 */
async function expandPatterns(patterns: string[], cwd: string, issues: IssueList): Promise<string[]> {
  const entries = patterns.map((text) => ({ text, exclude: text.startsWith('!'), body: text.replace(/^!/, '') }))
  const files: string[] = []
  for (const [index, entry] of entries.entries()) {
    const later = entries.slice(index + 1).filter((e) => e.exclude && e.body !== '')
    const excludes = later.map((e) => `!${absolutePattern(e.body, cwd)}`)
    if (entry.exclude) {
      if (entry.body === '') issues.add({ where: 'input "plan"', message: '"!" excludes nothing: write the pattern after it, such as !k8s/kustomization.yaml' })
      else if (!entries.slice(0, index).some((e) => !e.exclude)) {
        issues.add({ where: 'input "plan"', message: `"${entry.text}" comes before the paths it could leave out: an exclude applies to the patterns before it` })
      }
      continue
    }
    if (!GLOB_CHARS.test(entry.body)) {
      const full = path.resolve(cwd, entry.body)
      try {
        const info = await stat(full)
        if (!info.isFile()) {
          issues.add({
            where: 'input "plan"',
            message: info.isDirectory() ? `"${entry.body}" is a directory; name the YAML files (or a glob such as ${entry.body}/*.yaml)` : `"${entry.body}" is not a regular file`
          })
          continue
        }
      } catch {
        issues.add({ where: 'input "plan"', message: `"${entry.body}" does not exist (looked in ${cwd})` })
        continue
      }
      files.push(...(excludes.length === 0 ? [full] : await globFiles([escapeGlob(full), ...excludes])))
      continue
    }
    let matched: string[]
    try {
      const never = NEVER.map((name) => `!${absolutePattern(`**/${name}/**`, cwd)}`)
      matched = await globFiles([absolutePattern(entry.body, cwd), ...excludes, ...never])
    } catch (error) {
      issues.add({ where: 'input "plan"', message: `"${entry.body}" is not a valid glob (${(error as Error).message.split('\n')[0]})` })
      continue
    }
    const found = matched.filter((file) => /\.ya?ml$/i.test(file))
    if (found.length === 0) {
      const braces = /\{[^{}]*,[^{}]*\}/.test(entry.body) ? '; {a,b} alternatives are not globs here: write one pattern for each' : ''
      const after = excludes.length > 0 ? ' once the excludes after it apply' : ''
      issues.add({ where: 'input "plan"', message: `"${entry.body}" matches no .yaml file${after} (looked in ${cwd})${braces}` })
    }
    files.push(...found)
  }
  return files
}

function relative(cwd: string, file: string): string {
  const rel = path.relative(cwd, file)
  return rel.startsWith('..') ? file : rel
}

/**
 * Bounds on what a plan may ask of the loader. A plan is a Rollout and a few templates, a few
 * kilobytes; these only stop a hostile or mistaken file (a pull request can add one, and the PR
 * check reads it) from exhausting the runner.
 */
export const PLAN_LIMITS = {
  /** Bytes per file: parsing takes about a second per MiB on a busy runner. */
  fileBytes: 1024 * 1024,
  /** Bytes across every file of the plan input. */
  totalBytes: 4 * 1024 * 1024,
  /** Nesting of mappings and lists in one document; a Rollout with its pod template needs about 15. */
  depth: 100,
  /** The yaml library's bound on alias expansion (billion laughs). */
  aliases: 100
} as const

const TOO_DEEP = `nests more than ${PLAN_LIMITS.depth} levels deep (resource exhaustion?)`

/** The kinds canary-gate reads. */
export const READ_KINDS = ['Rollout', 'AnalysisTemplate', 'ClusterAnalysisTemplate'] as const
const ARGO_GROUP = 'argoproj.io'
const ARGO_API_VERSION = 'argoproj.io/v1alpha1'
/**
 * The other kinds of the Argo projects (Rollouts, CD, Workflows, Events, the operators): a plan
 * globbed from a GitOps directory may hold them, and canary-gate leaves them alone. Any other kind
 * in the argoproj.io group is a mistake the cluster would refuse too.
 */
const OTHER_ARGO_KINDS = new Set([
  'AnalysisRun',
  'Experiment',
  'RolloutManager',
  'Application',
  'ApplicationSet',
  'AppProject',
  'ArgoCD',
  'ArgoCDExport',
  'NotificationsConfiguration',
  'Workflow',
  'WorkflowTemplate',
  'ClusterWorkflowTemplate',
  'CronWorkflow',
  'WorkflowEventBinding',
  'WorkflowTaskSet',
  'WorkflowTaskResult',
  'WorkflowArtifactGCTask',
  'EventSource',
  'Sensor',
  'EventBus'
])

function lineLocator(doc: Document, counter: LineCounter): (path: YamlPath) => number {
  return (wanted) => {
    for (let depth = wanted.length; depth >= 0; depth--) {
      const last = wanted[depth - 1]
      if (typeof last === 'string') {
        // A field is reported at its key: the value of `metrics:` starts on the next line.
        const parent = depth === 1 ? doc.contents : doc.getIn(wanted.slice(0, depth - 1), true)
        const pair = isMap(parent) ? parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last) : undefined
        if (isNode(pair?.key) && pair.key.range) return counter.linePos(pair.key.range[0]).line
      }
      const node = depth === 0 ? doc.contents : doc.getIn(wanted.slice(0, depth), true)
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line
    }
    return 1
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}

/**
 * The file's bytes as text, or a problem: YAML is Unicode text, and kubectl reads it as UTF-8. A
 * file that is not (UTF-16 from an editor, a binary committed by mistake) is named, never read as
 * the replacement characters a lenient decoder would make of it.
 */
export function decodePlanFile(bytes: Uint8Array, file: string, issues: IssueList): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    issues.add({ where: `${file}:1`, message: 'is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8, as kubectl reads it' })
    return undefined
  }
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  let text: string
  try {
    text = strict.decode(bytes)
  } catch {
    // Multi-byte characters never contain a newline byte, so the lines can be checked one by one.
    let line = 1
    let start = 0
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue
      try {
        strict.decode(bytes.subarray(start, i))
      } catch {
        break
      }
      line++
      start = i + 1
    }
    issues.add({ where: `${file}:${line}`, message: 'is not UTF-8 text (is it a binary file?); a plan file must be YAML saved as UTF-8' })
    return undefined
  }
  // YAML allows tab, newline and carriage return among the control characters, and nothing else.
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f]/.exec(text)
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    issues.add({ where: `${file}:${lineAt(text, control.index)}`, message: `holds the control character U+${code}, which YAML does not allow (is it a binary file?)` })
    return undefined
  }
  return text
}

type Found = { path: YamlPath; cycle: boolean }

/** The first place where the value nests deeper than the limit or contains itself (through an alias). */
function tooDeep(value: unknown, path: YamlPath, ancestors: object[]): Found | undefined {
  if (!value || typeof value !== 'object') return undefined
  const plain = Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
  if (!plain) return undefined
  if (ancestors.includes(value)) return { path, cycle: true }
  if (ancestors.length >= PLAN_LIMITS.depth) return { path, cycle: false }
  ancestors.push(value)
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value)
  for (const [key, item] of entries) {
    const found = tooDeep(item, [...path, key], ancestors)
    if (found) return found
  }
  ancestors.pop()
  return undefined
}

function firstAliasLine(doc: Document, counter: LineCounter): number | undefined {
  let line: number | undefined
  visit(doc, {
    Alias(_, node) {
      if (node.range) line = counter.linePos(node.range[0]).line
      return visit.BREAK
    }
  })
  return line
}

/** Keys that appear twice in one mapping, as they would collide in the document read. */
function duplicateKeys(doc: Document, counter: LineCounter): Array<{ key: string; line: number; first: number }> | 'too deep' {
  const found: Array<{ key: string; line: number; first: number }> = []
  try {
    visit(doc, {
      Map(_, map) {
        const seen = new Map<string, number>()
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue
          const key = String(pair.key.value)
          const line = pair.key.range ? counter.linePos(pair.key.range[0]).line : 1
          const first = seen.get(key)
          if (first === undefined) seen.set(key, line)
          else found.push({ key: clip(key), line, first })
        }
      }
    })
  } catch (error) {
    if (error instanceof RangeError) return 'too deep'
    throw error
  }
  return found
}

/** A value for the message that says how to quote it: double quotes, or single ones when it holds a `"`. */
function quoted(value: string): string {
  return value.includes('"') && !value.includes("'") ? `'${value}'` : JSON.stringify(value)
}

/** What to tell someone who wrote `count: {{args.count}}`; `key` is absent for a list item. */
function unquotedPlaceholder(key: string | undefined, value: string): string {
  const before = key === undefined ? '' : `${key}: `
  return `${before}${clip(value)} is read by YAML as a mapping; quote it: ${before}${quoted(clip(value))}`
}

/**
 * Keys that are mappings or lists. YAML allows them and Kubernetes documents never hold them; they
 * come from an unquoted `{{args.x}}` at the start of a value, which YAML reads as a flow mapping
 * whose one key is the mapping `{args.x}`, and which would reach the metric as the text
 * "{ args.x }" (or as a mapping) instead of the arg's value. Such a value is reported and then read
 * as the text it was meant to be, so the rest of the document is checked without errors that only
 * follow from it; `fatal` says whether anything else was found, after which the document is not read.
 */
function collectionKeys(doc: Document, counter: LineCounter, text: string): { found: Array<{ line: number; message: string }>; fatal: boolean } {
  const found: Array<{ line: number; message: string }> = []
  let fatal = false
  visit(doc, {
    Map(_, map, path) {
      const pair = map.items.find((item) => isCollection(item.key))
      if (!pair || !map.range) return
      const source = text.slice(map.range[0], map.range[1]).trim()
      const parent = path[path.length - 1]
      const key = isPair(parent) && isScalar(parent.key) ? String(parent.key.value) : undefined
      if (/^\{\{[^{}]*\}\}$/.test(source)) {
        found.push({ line: counter.linePos(map.range[0]).line, message: unquotedPlaceholder(key, source) })
        const meant = new Scalar(source)
        meant.range = map.range
        return meant
      }
      fatal = true
      if (isCollection(pair.key) && pair.key.range) {
        const written = text.slice(pair.key.range[0], pair.key.range[1]).replace(/\s+/g, ' ').trim()
        found.push({
          line: counter.linePos(pair.key.range[0]).line,
          message: `YAML error: the key ${clip(written)} is ${isMap(pair.key) ? 'a mapping' : 'a list'}; the keys of a Kubernetes document are text`
        })
      }
      return visit.SKIP
    }
  })
  return { found, fatal }
}

/** `key: {{args.x}} …` or `- {{args.x}} …` as written on a line, the value not quoted. */
const PLACEHOLDER_LINE = /^\s*(?:-\s+)?(?:([^\s#'"{[][^#]*?):\s+)?(\{\{[^{}]*\}\}[^#]*?)\s*(?:#.*)?$/

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return 'text'
  return `a ${typeof value}`
}

export interface KindProblem {
  path: YamlPath
  field: string
  message: string
}

/**
 * Which documents of a file a reader takes: `decide` names the kind a document is read as (or none,
 * to leave it alone) and the problems with its kind and apiVersion; `subjects` names a document of
 * each kind read in messages (`template "x"`). The Argo reader is the default; Flagger's documents
 * have their own (flagger/documents.ts).
 */
export interface DocumentReader {
  decide(record: Record<string, unknown>): { read?: string; problems: KindProblem[] }
  subjects: Record<string, string>
}

/** Text from the file, short enough for a message. */
export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

/** The group of an apiVersion: `argoproj.io` of `argoproj.io/v1alpha1`, '' for the core `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? '' : apiVersion.slice(0, slash)
}

/**
 * Which documents canary-gate reads. A kind it reads is read; a kind that is nearly one of them
 * (`analysistemplate`, `AnalysisTempalte`, `Rollouts`) is a mistake, reported and read as the
 * kind meant, so the rest of the document is checked in the same run. Other kinds are left alone,
 * except in Argo's own group, where an unknown kind can only be a mistake the cluster refuses too.
 */
function decideKind(record: Record<string, unknown>): { read?: string; problems: KindProblem[] } {
  const kind = record.kind
  const problems: KindProblem[] = []
  if (kind === undefined || kind === null) {
    const spec = record.spec && typeof record.spec === 'object' ? (record.spec as Record<string, unknown>) : {}
    const strategy = spec.strategy && typeof spec.strategy === 'object' ? (spec.strategy as Record<string, unknown>) : {}
    const looksLike = Array.isArray(spec.metrics) ? 'an AnalysisTemplate (it has spec.metrics)' : 'canary' in strategy ? 'a Rollout (it has spec.strategy.canary)' : undefined
    if (looksLike) problems.push({ path: [], field: 'kind', message: `is missing, so the document would not be read; it looks like ${looksLike}` })
    return { problems }
  }
  if (typeof kind !== 'string') return { problems: [{ path: ['kind'], field: 'kind', message: 'must be text, such as AnalysisTemplate' }] }
  const apiVersion = typeof record.apiVersion === 'string' ? record.apiVersion.trim() : undefined
  const group = apiVersion === undefined ? undefined : groupOf(apiVersion)
  const nearGroup = group !== undefined && group !== ARGO_GROUP && closest(group, [ARGO_GROUP]) !== undefined
  const exact = (READ_KINDS as readonly string[]).includes(kind)
  if (group !== undefined && group !== ARGO_GROUP && !nearGroup) {
    // A kind canary-gate reads in a built-in group (v1, apps/v1) is a slip; in another project's
    // group (rollouts.kruise.io has a Rollout too) it is that project's document.
    if (exact && !group.includes('.')) problems.push({ path: ['apiVersion'], field: 'apiVersion', message: `"${apiVersion}" has no ${kind}: Argo Rollouts' ${kind} is ${ARGO_API_VERSION}` })
    return { problems }
  }
  const meant = exact ? kind : OTHER_ARGO_KINDS.has(kind) ? undefined : closest(kind, READ_KINDS)
  if (meant && apiVersion !== undefined && apiVersion !== ARGO_API_VERSION) {
    problems.push({
      path: ['apiVersion'],
      field: 'apiVersion',
      message: nearGroup ? `"${apiVersion}" is not Argo's API group (did you mean "${ARGO_API_VERSION}"?)` : `"${clip(apiVersion)}" is not served: Argo Rollouts' ${meant} is ${ARGO_API_VERSION}`
    })
  }
  if (meant && !exact) {
    const caseOnly = meant.toLowerCase() === kind.toLowerCase()
    problems.push({ path: ['kind'], field: 'kind', message: `unknown kind "${kind}"${caseOnly ? ', kinds are case-sensitive' : ''} (did you mean "${meant}"?)` })
  }
  if (!meant && group === ARGO_GROUP && !OTHER_ARGO_KINDS.has(kind)) {
    problems.push({ path: ['kind'], field: 'kind', message: `Argo has no kind "${clip(kind)}"; canary-gate reads ${READ_KINDS.join(', ')}` })
  }
  return { read: meant, problems }
}

const SUBJECTS: Record<string, string> = { Rollout: 'rollout', AnalysisTemplate: 'template', ClusterAnalysisTemplate: 'cluster template' }
export const ARGO_READER: DocumentReader = { decide: decideKind, subjects: SUBJECTS }

/**
 * Several readers over one parse: the first that takes a document (or has something to say about it)
 * decides; Argo's reader first, so a `Canary` in another group never shadows an Argo document.
 */
export function eitherReader(...readers: DocumentReader[]): DocumentReader {
  return {
    decide(record) {
      for (const reader of readers) {
        const decided = reader.decide(record)
        if (decided.read || decided.problems.length > 0) return decided
      }
      return { problems: [] }
    },
    subjects: Object.assign({}, ...readers.map((reader) => reader.subjects)) as Record<string, string>
  }
}

/**
 * The documents of one file that canary-gate reads; YAML errors, documents that cannot be read and
 * misspelt kinds are reported as issues, other kinds are left out.
 */
export function parseDocuments(text: string, file: string, issues: IssueList, reader: DocumentReader = ARGO_READER): SourceDocument[] {
  const counter = new LineCounter()
  // The parser's own duplicate-key check compares every key with every other: a 600 KB mapping
  // takes minutes. duplicateKeys() does the same check in one pass.
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false })
  const list = Array.isArray(docs) ? docs : [docs]
  const out: SourceDocument[] = []
  list.forEach((doc, index) => {
    const firstLine = doc.range ? counter.linePos(doc.range[0]).line : 1
    if (doc.errors.length > 0) {
      // `query: {{args.q}} > 1` breaks the YAML: say what went wrong rather than what the parser
      // then stumbled on; the errors that follow from it would only confuse.
      const lines = text.split('\n')
      const placeholders = doc.errors.flatMap((error) => {
        const line = error.linePos?.[0]?.line ?? counter.linePos(error.pos[0]).line
        const match = PLACEHOLDER_LINE.exec(lines[line - 1] ?? '')
        return match ? [{ line, message: unquotedPlaceholder(match[1], match[2]) }] : []
      })
      for (const placeholder of placeholders) issues.add({ where: `${file}:${placeholder.line}`, message: placeholder.message })
      if (placeholders.length > 0) return
      const reported = new Set<string>()
      for (const error of doc.errors) {
        const line = error.linePos?.[0]?.line ?? counter.linePos(error.pos[0]).line
        // The parser's recursion ends in a stack overflow it reports, often more than once.
        const message = error.code === 'RESOURCE_EXHAUSTION' || /call stack/i.test(error.message) ? TOO_DEEP : `YAML error: ${error.message.split('\n')[0]}`
        if (reported.has(message)) continue
        reported.add(message)
        issues.add({ where: `${file}:${line}`, message })
      }
      return
    }
    const duplicates = duplicateKeys(doc, counter)
    if (duplicates === 'too deep') {
      issues.add({ where: `${file}:${firstLine}`, message: TOO_DEEP })
      return
    }
    for (const duplicate of duplicates) {
      issues.add({ where: `${file}:${duplicate.line}`, message: `YAML error: duplicate key "${duplicate.key}" (also at line ${duplicate.first}); the second would silently replace the first` })
    }
    if (duplicates.length > 0) return
    const keys = collectionKeys(doc, counter, text)
    for (const key of keys.found) issues.add({ where: `${file}:${key.line}`, message: key.message })
    if (keys.fatal) return
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: PLAN_LIMITS.aliases })
    } catch (error) {
      const text = (error as Error).message ?? String(error)
      const where = `${file}:${firstAliasLine(doc, counter) ?? firstLine}`
      if (/excessive alias count/i.test(text)) issues.add({ where, message: 'too many aliases (resource exhaustion?): a plan document may expand its aliases only a little' })
      else if (error instanceof RangeError) issues.add({ where, message: TOO_DEEP })
      else issues.add({ where, message: `YAML error: ${text.split('\n')[0]}` })
      return
    }
    if (value === null || value === undefined) return
    const lineOf = lineLocator(doc, counter)
    if (typeof value !== 'object' || Array.isArray(value)) {
      issues.add({ where: `${file}:${lineOf([])}`, message: `is ${describeValue(value)}, not a Kubernetes document (a mapping with apiVersion, kind and metadata)` })
      return
    }
    const deep = tooDeep(value, [], [])
    if (deep) {
      issues.add({
        where: `${file}:${deep.cycle ? (firstAliasLine(doc, counter) ?? lineOf(deep.path)) : lineOf(deep.path)}`,
        message: deep.cycle ? 'an alias refers to a node that contains it, which makes an endless document' : TOO_DEEP
      })
      return
    }
    const record = value as Record<string, unknown>
    const metadata = record.metadata as Record<string, unknown> | undefined
    const name = typeof metadata?.name === 'string' ? metadata.name : ''
    const at = (p: YamlPath): string => `${file}:${lineOf(p)}`
    const { read, problems } = reader.decide(record)
    for (const problem of problems) {
      const subject = read ? `${reader.subjects[read]} "${name || '?'}"` : name ? `document "${name}"` : undefined
      issues.add({ where: at(problem.path), subject, field: problem.field, message: problem.message })
    }
    // Only the documents canary-gate reads go on; the others were reported above or are not its own.
    if (read) out.push({ file, index, kind: read, name, value: record, lineOf, at })
  })
  return out
}

/** Expands the patterns and parses every document of every file. */
export async function loadPlanFiles(patterns: string[], cwd: string, issues: IssueList, reader: DocumentReader = ARGO_READER): Promise<SourceDocument[]> {
  if (patterns.length === 0) {
    issues.add({ where: 'input "plan"', message: 'is required: name the YAML files holding the AnalysisTemplates (and the Rollout for command run)' })
    return []
  }
  // Keyed by the real path: a file reached twice (named twice, or through a link) is read once.
  const byRealPath = new Map<string, string>()
  for (const file of await expandPatterns(patterns, cwd, issues)) {
    const real = await realpath(file).catch(() => file)
    if (!byRealPath.has(real)) byRealPath.set(real, file)
  }
  const files = byRealPath.values()
  const docs: SourceDocument[] = []
  let total = 0
  for (const file of files) {
    const shown = relative(cwd, file)
    let bytes: Buffer
    try {
      const size = (await stat(file)).size
      if (size > PLAN_LIMITS.fileBytes) {
        issues.add({ where: `${shown}:1`, message: `is ${mebibytes(size)}; a plan file may hold at most ${mebibytes(PLAN_LIMITS.fileBytes)}: name only the files holding the Rollout and its templates` })
        continue
      }
      total += size
      if (total > PLAN_LIMITS.totalBytes) {
        issues.add({ where: 'input "plan"', message: `names more than ${mebibytes(PLAN_LIMITS.totalBytes)} of YAML (reached at ${shown}): name only the files holding the Rollout and its templates` })
        break
      }
      bytes = await readFile(file)
    } catch (error) {
      issues.add({ where: shown, message: `could not be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` })
      continue
    }
    const text = decodePlanFile(bytes, shown, issues)
    if (text !== undefined) docs.push(...parseDocuments(text, shown, issues, reader))
  }
  return docs
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`
}
