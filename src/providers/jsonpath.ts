// The JSONPath subset the web provider reads answers with, in the Kubernetes style Argo uses:
// `{$}`, `{$.data.errorRate}`, `{.items[0].value}`, `{$['percentile.duration']}`, `{$.items[*].v}`,
// `{$..errorRate}`. Parsed once at load time so a bad path is a configuration error.

export type PathStep =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descend'; key: string }

const IDENT = /^[A-Za-z_$][\w$-]*/

export function parseJsonPath(text: string): PathStep[] {
  let source = text.trim()
  if (source.startsWith('{') && source.endsWith('}')) source = source.slice(1, -1).trim()
  if (source.startsWith('$')) source = source.slice(1)
  const steps: PathStep[] = []
  let rest = source
  const fail = (what: string): never => {
    throw new Error(`jsonPath "${text}": ${what} at "${rest.slice(0, 20)}"`)
  }
  while (rest.length > 0) {
    if (rest.startsWith('..')) {
      rest = rest.slice(2)
      const ident = IDENT.exec(rest)
      if (!ident) fail('expected a field name after ".."')
      steps.push({ kind: 'descend', key: ident![0] })
      rest = rest.slice(ident![0].length)
    } else if (rest.startsWith('.')) {
      rest = rest.slice(1)
      if (rest.startsWith('*')) {
        steps.push({ kind: 'wildcard' })
        rest = rest.slice(1)
        continue
      }
      const ident = IDENT.exec(rest)
      if (!ident) fail('expected a field name after "."')
      steps.push({ kind: 'key', key: ident![0] })
      rest = rest.slice(ident![0].length)
    } else if (rest.startsWith('[')) {
      const close = rest.indexOf(']')
      if (close < 0) fail('missing "]"')
      const inner = rest.slice(1, close).trim()
      rest = rest.slice(close + 1)
      if (inner === '*') steps.push({ kind: 'wildcard' })
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) })
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ kind: 'key', key: inner.slice(1, -1) })
      else fail(`unsupported selector [${inner}] (supported: [0], [-1], [*], ['key'])`)
    } else {
      fail('expected ".", ".." or "["')
    }
  }
  return steps
}

function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  if (value && typeof value === 'object') return Object.values(value)
  return []
}

/** Every value under `key` at any depth below `value` (itself included), in document order, without recursion. */
function descend(value: unknown, key: string, out: unknown[]): void {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const item = pending.pop()
    if (item && typeof item === 'object' && !Array.isArray(item) && Object.prototype.hasOwnProperty.call(item, key)) {
      out.push((item as Record<string, unknown>)[key])
    }
    const inner = children(item)
    for (let i = inner.length - 1; i >= 0; i--) pending.push(inner[i])
  }
}

/**
 * A definite path (only keys and indexes) selects at most one value, which conditions get as it is.
 * Any other path (`[*]`, `.*`, `..`) can select several: conditions get the list of every match.
 */
export function isDefinite(steps: PathStep[]): boolean {
  return steps.every((step) => step.kind === 'key' || step.kind === 'index')
}

/** Every value the path selects, in document order. */
export function selectAll(steps: PathStep[], root: unknown): unknown[] {
  let current: unknown[] = [root]
  for (const step of steps) {
    const next: unknown[] = []
    for (const value of current) {
      switch (step.kind) {
        case 'key':
          if (value && typeof value === 'object' && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, step.key)) {
            next.push((value as Record<string, unknown>)[step.key])
          }
          break
        case 'index':
          if (Array.isArray(value)) {
            const index = step.index < 0 ? value.length + step.index : step.index
            if (index >= 0 && index < value.length) next.push(value[index])
          }
          break
        case 'wildcard':
          next.push(...children(value))
          break
        case 'descend':
          descend(value, step.key, next)
          break
      }
    }
    current = next
  }
  return current
}
