// The resource types the emulated API server knows, and the discovery documents kubectl reads to map
// "rollout", "ro" or "job/NAME" onto a URL. kubectl 1.27+ asks /api and /apis for aggregated discovery
// (apidiscovery.k8s.io v2, or v2beta1) and falls back to the older per-group-version documents when the
// answer is plain JSON; both are served.

export interface ResourceInfo {
  group: string
  version: string
  /** Plural, as in the URL. */
  resource: string
  kind: string
  singular: string
  namespaced: boolean
  shortNames?: string[]
  categories?: string[]
  subresources: string[]
  /** A custom resource (no strategic merge patch). Every argoproj.io kind is one too. */
  custom?: boolean
}

/** Custom resources take JSON merge and JSON patches only, as the API server answers for CRDs. */
export function isCustom(info: ResourceInfo): boolean {
  return info.custom === true || info.group === 'argoproj.io'
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

export const RESOURCES: ResourceInfo[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', singular: 'namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['log', 'status'] },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', singular: 'secret', namespaced: true, subresources: [] },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', singular: 'configmap', namespaced: true, shortNames: ['cm'], subresources: [] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['scale', 'status'] },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['scale', 'status'] },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', singular: 'job', namespaced: true, categories: ['all'], subresources: ['status'] },
  { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', singular: 'ingress', namespaced: true, shortNames: ['ing'], subresources: ['status'] },
  { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes', kind: 'HTTPRoute', singular: 'httproute', namespaced: true, categories: ['gateway-api'], subresources: ['status'], custom: true },
  { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts', kind: 'Rollout', singular: 'rollout', namespaced: true, shortNames: ['ro'], subresources: ['status'] },
  { group: 'argoproj.io', version: 'v1alpha1', resource: 'analysistemplates', kind: 'AnalysisTemplate', singular: 'analysistemplate', namespaced: true, shortNames: ['at'], subresources: [] },
  { group: 'argoproj.io', version: 'v1alpha1', resource: 'clusteranalysistemplates', kind: 'ClusterAnalysisTemplate', singular: 'clusteranalysistemplate', namespaced: false, shortNames: ['cat'], subresources: [] },
  { group: 'argoproj.io', version: 'v1alpha1', resource: 'analysisruns', kind: 'AnalysisRun', singular: 'analysisrun', namespaced: true, shortNames: ['ar'], subresources: ['status'] },
  { group: 'argoproj.io', version: 'v1alpha1', resource: 'experiments', kind: 'Experiment', singular: 'experiment', namespaced: true, shortNames: ['exp'], subresources: ['status'] }
]

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`
}

/** "rollouts.argoproj.io", "jobs.batch", "pods": how error messages name a resource. */
export function qualifiedName(info: ResourceInfo): string {
  return info.group === '' ? info.resource : `${info.resource}.${info.group}`
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource)
}

function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>()
  for (const r of RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version })
  return [...seen.values()]
}

function subresourceVerbs(sub: string): string[] {
  return sub === 'log' ? ['get'] : ['get', 'patch', 'update']
}

/** What a subresource answers with: autoscaling/v1 Scale for /scale, the resource's own kind otherwise. */
function subresourceKind(r: ResourceInfo, sub: string): { group: string; version: string; kind: string } {
  return sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { group: r.group, version: r.version, kind: r.kind }
}

// ---- aggregated discovery (one document for /api, one for /apis) ----

function aggregatedResource(r: ResourceInfo): Record<string, unknown> {
  const responseKind = { group: r.group, version: r.version, kind: r.kind }
  return {
    resource: r.resource,
    responseKind,
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: ALL_VERBS,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
    ...(r.subresources.length > 0
      ? { subresources: r.subresources.map((sub) => ({ subresource: sub, responseKind: subresourceKind(r, sub), verbs: subresourceVerbs(sub) })) }
      : {})
  }
}

/** The APIGroupDiscoveryList for /api (core = true) or /apis, in apidiscovery.k8s.io `version`. */
export function aggregatedDiscovery(core: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const items = groupVersions()
    .filter((gv) => (gv.group === '') === core)
    .map((gv) => ({
      metadata: core ? { creationTimestamp: null } : { name: gv.group, creationTimestamp: null },
      versions: [
        {
          version: gv.version,
          resources: RESOURCES.filter((r) => r.group === gv.group && r.version === gv.version).map(aggregatedResource),
          freshness: 'Current'
        }
      ]
    }))
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items }
}

// ---- unaggregated discovery ----

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] }
}

function apiGroup(group: string): Record<string, unknown> {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${gv.group}/${gv.version}`, version: gv.version }))
  return { name: group, versions, preferredVersion: versions[0] }
}

export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ''))]
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) }
}

/** The APIGroup document for /apis/GROUP, or undefined for an unknown group. */
export function apiGroupDocument(group: string): Record<string, unknown> | undefined {
  if (group === '' || !RESOURCES.some((r) => r.group === group)) return undefined
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) }
}

/** The APIResourceList for /api/v1 or /apis/GROUP/VERSION, or undefined when there is none. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const members = RESOURCES.filter((r) => r.group === group && r.version === version)
  if (members.length === 0) return undefined
  const resources = members.flatMap((r) => [
    {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ALL_VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {})
    },
    ...r.subresources.map((sub) => ({
      name: `${r.resource}/${sub}`,
      singularName: '',
      namespaced: r.namespaced,
      ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}),
      kind: subresourceKind(r, sub).kind,
      verbs: subresourceVerbs(sub)
    }))
  ])
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources }
}
