// Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch), for the built-in kinds: what
// `kubectl set image`, `kubectl patch` (its default type) and client-side `kubectl apply` send to a
// Deployment or a Service. Lists with a merge key merge element by element; other lists are replaced.
// Understood directives: `$patch: delete | replace` (on an object or a list element),
// `$setElementOrder/LIST`, `$deleteFromPrimitiveList/LIST` and `$retainKeys`. The merge keys come from
// the field name (the real server reads them from the Go struct tags); that is exact for the fields a
// Deployment, a Service or an Ingress has.

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** patchMergeKey by field name; `ports` is keyed by containerPort in a container and by port in a Service. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey'
}

function mergeKeyOf(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') return items.some((i) => isObject(i) && 'containerPort' in i) ? 'containerPort' : 'port'
  return MERGE_KEYS[field]
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isObject(v) && v.$patch !== undefined && Object.keys(v).length === 1)).map(stripDirectives)
  if (!isObject(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('$')).map(([k, v]) => [k, stripDirectives(v)]))
}

function mergeList(current: unknown, patch: unknown[], key: string, order: unknown): unknown[] {
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) return stripDirectives(patch) as unknown[]
  const result: unknown[] = Array.isArray(current) ? [...current] : []
  for (const element of patch) {
    if (!isObject(element)) {
      result.push(element)
      continue
    }
    const index = result.findIndex((r) => isObject(r) && r[key] === element[key])
    if (element.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1)
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], element)
    } else {
      result.push(stripDirectives(element))
    }
  }
  if (!Array.isArray(order)) return result
  // $setElementOrder: the listed elements in that order, then any the patch did not mention.
  const rank = (item: unknown): number => {
    const at = order.findIndex((o) => isObject(o) && isObject(item) && o[key] === item[key])
    return at < 0 ? order.length : at
  }
  return result.map((item, i) => ({ item, i })).sort((a, b) => rank(a.item) - rank(b.item) || a.i - b.i).map(({ item }) => item)
}

/** Applies a strategic merge patch to `target`; returns the patched copy (undefined for `$patch: delete`). */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch)
  if (patch.$patch === 'delete') return undefined
  if (patch.$patch === 'replace') return stripDirectives(patch)
  const result: JsonObject = isObject(target) ? { ...target } : {}
  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith('$deleteFromPrimitiveList/')) {
      const list = field.slice('$deleteFromPrimitiveList/'.length)
      if (Array.isArray(result[list]) && Array.isArray(value)) result[list] = (result[list] as unknown[]).filter((v) => !value.includes(v))
      continue
    }
    if (field.startsWith('$')) continue
    if (value === null) {
      delete result[field]
    } else if (Array.isArray(value)) {
      const key = mergeKeyOf(field, [...value, ...(Array.isArray(result[field]) ? (result[field] as unknown[]) : [])])
      result[field] = key ? mergeList(result[field], value, key, patch[`$setElementOrder/${field}`]) : stripDirectives(value)
    } else {
      const merged = strategicMerge(result[field], value)
      if (merged === undefined) delete result[field]
      else result[field] = merged
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const field of Object.keys(result)) if (!patch.$retainKeys.includes(field)) delete result[field]
  }
  return result
}
