// Label and field selectors as kubectl sends them (?labelSelector=job-name=x,app in (a,b),!gone).

import type { KObject } from './store.js'

type Requirement = (labels: Record<string, string>) => boolean

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = []
  let depth = 0
  let current = ''
  for (const c of selector) {
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === ',' && depth === 0) {
      terms.push(current)
      current = ''
    } else current += c
  }
  terms.push(current)
  return terms.map((t) => t.trim()).filter((t) => t !== '')
}

function parseTerm(term: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/.exec(term)
  if (set) {
    const [, key, op, list] = set
    const values = list.split(',').map((v) => v.trim())
    return op === 'in' ? (l) => key in l && values.includes(l[key]) : (l) => !(key in l) || !values.includes(l[key])
  }
  const inequality = /^([^\s!=]+)\s*!=\s*(.*)$/.exec(term)
  if (inequality) return (l) => l[inequality[1]] !== inequality[2]
  const equality = /^([^\s!=]+)\s*==?\s*(.*)$/.exec(term)
  if (equality) return (l) => l[equality[1]] === equality[2]
  if (term.startsWith('!')) return (l) => !(term.slice(1) in l)
  return (l) => term in l
}

/** A predicate on an object's labels; an empty selector matches everything. */
export function labelSelector(selector: string | null): (object: KObject) => boolean {
  const requirements = splitTerms(selector ?? '').map(parseTerm)
  return (object) => requirements.every((r) => r((object.metadata?.labels ?? {}) as Record<string, string>))
}

/** A predicate for field selectors like metadata.name=x,status.phase!=Running. */
export function fieldSelector(selector: string | null): (object: KObject) => boolean {
  const requirements = splitTerms(selector ?? '').map((term) => {
    const match = /^([^!=]+)(!=|==|=)(.*)$/.exec(term)
    if (!match) return () => true
    const [, path, op, expected] = match
    return (object: KObject) => {
      let value: unknown = object
      for (const part of path.trim().split('.')) value = value !== null && typeof value === 'object' ? (value as KObject)[part] : undefined
      const actual = value === undefined || value === null ? '' : String(value)
      return op === '!=' ? actual !== expected : actual === expected
    }
  })
  return (object) => requirements.every((r) => r(object))
}

/** Renders a Job-style selector {matchLabels, matchExpressions} as selector text. */
export function formatLabelSelector(selector: KObject | undefined): string {
  if (!selector) return ''
  const terms = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`)
  for (const expression of (selector.matchExpressions ?? []) as KObject[]) {
    const op = String(expression.operator)
    if (op === 'In' || op === 'NotIn') terms.push(`${expression.key} ${op.toLowerCase()} (${(expression.values ?? []).join(',')})`)
    else if (op === 'Exists') terms.push(String(expression.key))
    else if (op === 'DoesNotExist') terms.push(`!${expression.key}`)
  }
  return terms.join(',')
}
