// The OpenAPI v3 documents `kubectl create` and `kubectl apply` fetch before sending anything: with the
// default --validate=strict, kubectl asks /openapi/v3 whether the server validates fields itself (a
// fieldValidation query parameter on the kind's PATCH operation). Both documents missing make kubectl
// fail with "failed to download openapi"; a document saying yes makes it send ?fieldValidation=Strict
// and skip client-side schema validation, so no schemas are needed here.

import { argoHash } from './hash.js'
import { RESOURCES, type ResourceInfo } from './resources.js'

/** "api/v1", "apis/batch/v1": the keys of the /openapi/v3 root. */
function groupVersionPath(info: ResourceInfo): string {
  return info.group === '' ? `api/${info.version}` : `apis/${info.group}/${info.version}`
}

/** The OpenAPI document for one group version, or undefined when there is none. */
export function openApiGroupVersion(path: string): Record<string, unknown> | undefined {
  const members = RESOURCES.filter((r) => groupVersionPath(r) === path)
  if (members.length === 0) return undefined
  const fieldValidation = { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }
  const paths = Object.fromEntries(
    members.map((r) => {
      const collection = r.namespaced ? `/${path}/namespaces/{namespace}/${r.resource}` : `/${path}/${r.resource}`
      const operation = (verb: string) => ({
        operationId: `${verb}${r.kind}`,
        parameters: [fieldValidation],
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': verb,
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind }
      })
      return [`${collection}/{name}`, { patch: operation('patch'), put: operation('put') }]
    })
  )
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas: {} } }
}

/** The /openapi/v3 root: where each group version's document is. */
export function openApiRoot(): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const info of RESOURCES) {
    const path = groupVersionPath(info)
    paths[path] ??= { serverRelativeURL: `/openapi/v3/${path}?hash=${argoHash(openApiGroupVersion(path)).toUpperCase()}` }
  }
  return { paths }
}
