// The two patch formats kubectl sends to custom resources: JSON merge patch (RFC 7386) and JSON patch
// (RFC 6902). Error texts follow evanphx/json-patch, the library the API server uses, because the API
// server passes them on to the client.

export class PatchError extends Error {
  /** 400 for a malformed patch, 422 for one that does not apply. */
  constructor(
    message: string,
    readonly code: 400 | 422 = 422
  ) {
    super(message)
  }
}

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** RFC 7386: objects merge key by key, null deletes, anything else (arrays too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch)
  const result: JsonObject = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key], value)
  }
  return result
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]))
  }
  return false
}

/** "/a/b~1c" → ["a", "b/c"]. */
function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new PatchError('path must be a string', 400)
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer: "${pointer}"`, 400)
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function arrayIndex(token: string, length: number, allowEnd: boolean): number | undefined {
  if (allowEnd && token === '-') return length
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined
  const index = Number(token)
  return index < length || (allowEnd && index === length) ? index : undefined
}

/** The container holding the last token of `path`, or undefined when the path does not exist. */
function parentOf(doc: unknown, tokens: string[]): unknown {
  let node = doc
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) {
      const index = arrayIndex(token, node.length, false)
      if (index === undefined) return undefined
      node = node[index]
    } else if (isObject(node) && token in node) {
      node = node[token]
    } else {
      return undefined
    }
  }
  return node
}

function getAt(doc: unknown, tokens: string[]): { found: boolean; value?: unknown } {
  if (tokens.length === 0) return { found: true, value: doc }
  const parent = parentOf(doc, tokens)
  const last = tokens[tokens.length - 1]
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length, false)
    return index === undefined ? { found: false } : { found: true, value: parent[index] }
  }
  if (isObject(parent) && last in parent) return { found: true, value: parent[last] }
  return { found: false }
}

export interface JsonPatchOperation {
  op: string
  path: string
  from?: string
  value?: unknown
}

/** Applies RFC 6902 operations to a copy of `doc`; throws PatchError naming the failing operation. */
export function jsonPatch(doc: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400)
  let result = structuredClone(doc)

  const add = (path: string, tokens: string[], value: unknown, what: string): void => {
    if (tokens.length === 0) {
      result = value
      return
    }
    const parent = parentOf(result, tokens)
    const last = tokens[tokens.length - 1]
    if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length, true)
      if (index === undefined) throw new PatchError(`${what} operation does not apply: doc is missing path: "${path}": missing value`)
      parent.splice(index, 0, value)
    } else if (isObject(parent)) {
      parent[last] = value
    } else {
      throw new PatchError(`${what} operation does not apply: doc is missing path: "${path}": missing value`)
    }
  }
  const remove = (path: string, tokens: string[], what: string): unknown => {
    const parent = parentOf(result, tokens)
    const last = tokens[tokens.length - 1]
    if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length, false)
      if (index !== undefined) return parent.splice(index, 1)[0]
    } else if (isObject(parent) && tokens.length > 0 && last in parent) {
      const value = parent[last]
      delete parent[last]
      return value
    }
    throw new PatchError(`${what} operation does not apply: doc is missing path: "${path}": missing value`)
  }

  for (const raw of operations) {
    if (!isObject(raw)) throw new PatchError('json: cannot unmarshal into Go value of type jsonpatch.Operation', 400)
    const op = raw as unknown as JsonPatchOperation
    const tokens = parsePointer(op.path)
    switch (op.op) {
      case 'add':
        add(op.path, tokens, structuredClone(op.value), 'add')
        break
      case 'remove':
        remove(op.path, tokens, 'remove')
        break
      case 'replace': {
        if (!getAt(result, tokens).found) throw new PatchError(`replace operation does not apply: doc is missing key: ${op.path}: missing value`)
        if (tokens.length === 0) {
          result = structuredClone(op.value)
          break
        }
        // Set in place, so an object keeps its key order.
        const parent = parentOf(result, tokens) as JsonObject | unknown[]
        const last = tokens[tokens.length - 1]
        if (Array.isArray(parent)) parent[Number(last)] = structuredClone(op.value)
        else parent[last] = structuredClone(op.value)
        break
      }
      case 'move': {
        const from = parsePointer(op.from)
        if (op.path.startsWith(`${op.from}/`)) throw new PatchError(`move operation does not apply: cannot move "${op.from}" into its own child "${op.path}"`)
        if (!getAt(result, from).found) throw new PatchError(`move operation does not apply: doc is missing from path: ${op.from}: missing value`)
        const value = remove(op.from as string, from, 'move')
        add(op.path, tokens, value, 'move')
        break
      }
      case 'copy': {
        const source = getAt(result, parsePointer(op.from))
        if (!source.found) throw new PatchError(`copy operation does not apply: doc is missing from path: ${op.from}: missing value`)
        add(op.path, tokens, structuredClone(source.value), 'copy')
        break
      }
      case 'test': {
        const target = getAt(result, tokens)
        if (!target.found || !deepEqual(target.value, op.value)) throw new PatchError(`testing value ${op.path} failed: test failed`)
        break
      }
      default:
        throw new PatchError(`Unexpected kind: ${String(op.op)}`, 400)
    }
  }
  return result
}
