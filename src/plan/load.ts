// Reads the `plan` input: files (globs allowed), each holding one or more YAML documents. Every
// document keeps its source so a problem can be reported at its file and line.
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { LineCounter, parseAllDocuments, isNode, type Document } from 'yaml'
import type { IssueList } from '../config-error.js'
import { globFiles } from './glob.js'

export type YamlPath = ReadonlyArray<string | number>

export interface SourceDocument {
  /** The file as the user named it (relative to the workspace when possible). */
  file: string
  /** Position of the document in its file, from 0. */
  index: number
  kind: string
  name: string
  value: Record<string, unknown>
  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  lineOf(path: YamlPath): number
  /** `file:line` for the node at `path`. */
  at(path: YamlPath): string
}

const GLOB_CHARS = /[*?[\]{}]/

/** Splits the plan input: newline- or space-separated paths and globs. */
export function splitPlanInput(input: string): string[] {
  return input
    .split(/\s+/)
    .map((part) => part.trim())
    .filter((part) => part !== '' && !part.startsWith('#'))
}

async function expand(pattern: string, cwd: string, issues: IssueList): Promise<string[]> {
  if (!GLOB_CHARS.test(pattern)) {
    const full = path.resolve(cwd, pattern)
    try {
      const info = await stat(full)
      if (info.isFile()) return [full]
      issues.add({ where: 'input "plan"', message: `"${pattern}" is a directory; name the YAML files (or a glob such as ${pattern}/*.yaml)` })
    } catch {
      issues.add({ where: 'input "plan"', message: `"${pattern}" does not exist (looked in ${cwd})` })
    }
    return []
  }
  const found = (await globFiles(pattern, cwd)).filter((file) => /\.ya?ml$/i.test(file))
  if (found.length === 0) issues.add({ where: 'input "plan"', message: `"${pattern}" matches no .yaml file (looked in ${cwd})` })
  return found
}

function relative(cwd: string, file: string): string {
  const rel = path.relative(cwd, file)
  return rel.startsWith('..') ? file : rel
}

function lineLocator(doc: Document, counter: LineCounter): (path: YamlPath) => number {
  return (wanted) => {
    for (let depth = wanted.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(wanted.slice(0, depth), true)
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line
    }
    return 1
  }
}

/** Parses YAML text into documents; YAML syntax errors are reported as issues. */
export function parseDocuments(text: string, file: string, issues: IssueList): SourceDocument[] {
  const counter = new LineCounter()
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true })
  const list = Array.isArray(docs) ? docs : [docs]
  const out: SourceDocument[] = []
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const line = error.linePos?.[0]?.line ?? counter.linePos(error.pos[0]).line
        issues.add({ where: `${file}:${line}`, message: `YAML error: ${error.message.split('\n')[0]}` })
      }
      return
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 })
    if (value === null || value === undefined) return
    const lineOf = lineLocator(doc, counter)
    if (typeof value !== 'object' || Array.isArray(value)) {
      issues.add({ where: `${file}:${lineOf([])}`, message: 'expected a Kubernetes document (a mapping with kind and metadata)' })
      return
    }
    const record = value as Record<string, unknown>
    const metadata = record.metadata as Record<string, unknown> | undefined
    out.push({
      file,
      index,
      kind: typeof record.kind === 'string' ? record.kind : '',
      name: typeof metadata?.name === 'string' ? metadata.name : '',
      value: record,
      lineOf,
      at: (p) => `${file}:${lineOf(p)}`
    })
  })
  return out
}

/** Expands the patterns and parses every document of every file. */
export async function loadPlanFiles(patterns: string[], cwd: string, issues: IssueList): Promise<SourceDocument[]> {
  if (patterns.length === 0) {
    issues.add({ where: 'input "plan"', message: 'is required: name the YAML files holding the AnalysisTemplates (and the Rollout for command run)' })
    return []
  }
  const files = new Set<string>()
  for (const pattern of patterns) for (const file of await expand(pattern, cwd, issues)) files.add(file)
  const docs: SourceDocument[] = []
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    docs.push(...parseDocuments(text, relative(cwd, file), issues))
  }
  return docs
}
