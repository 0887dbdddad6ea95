// nginx Ingress as Flagger writes it (pkg/router/ingress.go): the Ingress `<ingress>` keeps sending
// to the primary; its clone `<ingress>-canary` points at the canary Service and carries the canary
// annotations: `canary: "true"`, `canary-weight` (weighted), or for A/B `canary-by-header` with
// `canary-by-header-value` (exact) or `canary-by-header-pattern` (regex), or `canary-by-cookie`.
import { displayCommand, KubectlError } from '../../kube/kubectl.js'
import { MatchNotApplied, MissingObjectError, WeightNotApplied, type HeaderMatch, type Json, type Router, type RouterContext } from './router.js'

export type { HeaderMatch } from './router.js'

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/'
const CANARY = `${NGINX_PREFIX}canary`
const WEIGHT = `${NGINX_PREFIX}canary-weight`
const AB_KEYS = ['canary-by-header', 'canary-by-header-value', 'canary-by-header-pattern', 'canary-by-cookie'].map((k) => NGINX_PREFIX + k)


/** The canary Ingress Flagger clones from the main one: every backend sent to the canary Service, weight 0. */
export function canaryIngress(main: Json, canaryService: string): Json {
  const spec = JSON.parse(JSON.stringify(main.spec ?? {})) as Json
  const retarget = (backend: Json | undefined): void => {
    if (backend?.service) backend.service.name = canaryService
  }
  retarget(spec.defaultBackend)
  for (const rule of spec.rules ?? []) for (const path of rule.http?.paths ?? []) retarget(path.backend)
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `${main.metadata.name}-canary`,
      namespace: main.metadata.namespace,
      ...(main.metadata.labels ? { labels: main.metadata.labels } : {}),
      annotations: { ...nonCanaryAnnotations(main.metadata.annotations), [CANARY]: 'true', [WEIGHT]: '0' }
    },
    spec
  }
}

function nonCanaryAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([key]) => !key.startsWith(CANARY)))
}

/** The merge patch for a weighted step: the A/B annotations removed (null), the weight set. */
export function weightPatch(weight: number): Json {
  return { metadata: { annotations: { [CANARY]: 'true', [WEIGHT]: String(weight), ...Object.fromEntries(AB_KEYS.map((k) => [k, null])) } } }
}

/**
 * The annotations for A/B matches (Flagger's makeHeaderAnnotations): `cookie` → canary-by-cookie, any
 * other header → canary-by-header with -value (exact) or -pattern (regex); the last match wins.
 */
export function matchAnnotations(matches: HeaderMatch[]): Record<string, string> {
  const out: Record<string, string> = { [CANARY]: 'true', [WEIGHT]: '0' }
  for (const match of matches) {
    for (const key of AB_KEYS) delete out[key]
    if (match.header.toLowerCase() === 'cookie') out[`${NGINX_PREFIX}canary-by-cookie`] = match.exact ?? ''
    else {
      out[`${NGINX_PREFIX}canary-by-header`] = match.header
      if (match.exact !== undefined) out[`${NGINX_PREFIX}canary-by-header-value`] = match.exact
      else if (match.regex !== undefined) out[`${NGINX_PREFIX}canary-by-header-pattern`] = match.regex
    }
  }
  return out
}

/** The canary weight an Ingress's annotations say (0 when it is not a canary Ingress). */
export function weightOf(ingress: Json): number {
  const annotations = (ingress.metadata?.annotations ?? {}) as Record<string, string>
  if (annotations[CANARY] !== 'true') return 0
  const weight = Number(annotations[WEIGHT] ?? 0)
  return Number.isFinite(weight) ? weight : 0
}

/** The A/B annotations the canary Ingress carries, if any. */
function matchedBy(ingress: Json): boolean {
  const annotations = (ingress.metadata?.annotations ?? {}) as Record<string, string>
  return annotations[CANARY] === 'true' && Boolean(annotations[`${NGINX_PREFIX}canary-by-header`] || annotations[`${NGINX_PREFIX}canary-by-cookie`])
}

export class NginxRouter implements Router {
  readonly kind = 'nginx'
  readonly canaryName: string

  constructor(
    private readonly c: RouterContext,
    /** The main Ingress (to the primary). */
    readonly ingress: string
  ) {
    this.canaryName = `${ingress}-canary`
  }

  get object(): string {
    return `ingress ${this.canaryName}`
  }

  private async get(name: string): Promise<Json | undefined> {
    try {
      return await this.c.kubectl.readJson<Json>(['get', 'ingress', name, '-n', this.c.namespace])
    } catch (error) {
      if (error instanceof KubectlError && error.notFound) return undefined
      throw error
    }
  }

  async prepare(): Promise<void> {
    if (await this.get(this.canaryName)) return
    const main = await this.get(this.ingress)
    if (!main) throw new MissingObjectError(`ingress ${this.ingress} was not found in namespace ${this.c.namespace}: set the input "ingress" to the Ingress that serves the primary`)
    await this.c.kubectl.write(['create', '-f', '-', '-o', 'name'], { input: JSON.stringify(canaryIngress(main, this.c.canaryService)), what: `ingress ${this.canaryName}` })
  }

  async readWeight(): Promise<number> {
    const canary = await this.get(this.canaryName)
    if (!canary) return 0
    // Routing by header or cookie: every matched request goes to the canary.
    return matchedBy(canary) ? 100 : weightOf(canary)
  }

  async setMatch(matches: HeaderMatch[]): Promise<void> {
    const annotations = Object.fromEntries([...AB_KEYS.map((k) => [k, null]), ...Object.entries(matchAnnotations(matches))])
    await this.c.kubectl.write(['patch', 'ingress', this.canaryName, '-n', this.c.namespace, '--type=merge', '-p', JSON.stringify({ metadata: { annotations } })])
    if (this.c.kubectl.dryRun) return
    const seen = ((await this.get(this.canaryName))?.metadata?.annotations ?? {}) as Record<string, string>
    const wanted = matchAnnotations(matches)
    if (Object.entries(wanted).some(([k, v]) => seen[k] !== v)) throw new MatchNotApplied(this.object, matches)
  }

  async setWeight(weight: number): Promise<number> {
    await this.c.kubectl.write(['patch', 'ingress', this.canaryName, '-n', this.c.namespace, '--type=merge', '-p', JSON.stringify(weightPatch(weight))], { safe: weight === 0 })
    if (this.c.kubectl.dryRun) return weight
    const seen = await this.readWeight()
    if (seen !== weight) throw new WeightNotApplied(this.object, weight, seen)
    return seen
  }

  zeroCommand(): string {
    return displayCommand('kubectl', ['patch', 'ingress', this.canaryName, '-n', this.c.namespace, '--type=merge', '-p', JSON.stringify({ metadata: { annotations: { [WEIGHT]: '0' } } })])
  }
}
