// Gateway API as Flagger writes it (pkg/router/gateway_api.go): the HTTPRoute's rule keeps its matches
// (default PathPrefix `/`) and carries `backendRefs: [primary (100 - w), canary w]`. For A/B, rule 0's
// matches are merged with the header matches and send everything to the canary; rule 1 sends the rest
// to the primary at 100.
import { displayCommand, KubectlError } from '../../kube/kubectl.js'
import { MatchNotApplied, MissingObjectError, WeightNotApplied, type HeaderMatch, type Json, type Router, type RouterContext } from './router.js'

const DEFAULT_MATCH = { path: { type: 'PathPrefix', value: '/' } }

function refersTo(ref: Json, service: string): boolean {
  return ref.name === service && (ref.kind === undefined || ref.kind === 'Service')
}

/**
 * The primary's Service in the route: the one named as expected (`<name>-primary`) when the route has
 * it, otherwise the first backend that is not the canary (a plain Deployment `<name>` behind Service `<name>`).
 */
export function primaryServiceOf(route: Json, expected: string, canary: string): string | undefined {
  const refs = ((route.spec?.rules ?? []) as Json[]).flatMap((rule) => (rule.backendRefs ?? []) as Json[])
  if (refs.some((r) => refersTo(r, expected))) return expected
  return refs.find((r) => !refersTo(r, canary) && (r.kind === undefined || r.kind === 'Service'))?.name
}

/** The route's rules with every rule that serves the primary split `100 - weight` / `weight`. */
export function weightedRules(route: Json, primary: string, canary: string, weight: number): Json[] {
  const rules = (route.spec?.rules ?? []) as Json[]
  return rules.map((rule) => {
    const refs = (rule.backendRefs ?? []) as Json[]
    const primaryRef = refs.find((r) => refersTo(r, primary))
    if (!primaryRef) return rule
    const canaryRef = refs.find((r) => refersTo(r, canary)) ?? { ...primaryRef, name: canary }
    return { ...rule, matches: rule.matches ?? [DEFAULT_MATCH], backendRefs: [{ ...primaryRef, weight: 100 - weight }, { ...canaryRef, weight }] }
  })
}

/** The A/B rules: the matched requests all to the canary, the rest to the primary. */
export function headerRules(route: Json, primary: string, canary: string, matches: HeaderMatch[]): Json[] {
  const base = ((route.spec?.rules ?? []) as Json[]).find((rule) => ((rule.backendRefs ?? []) as Json[]).some((r) => refersTo(r, primary)))
  const primaryRef = ((base?.backendRefs ?? []) as Json[]).find((r) => refersTo(r, primary)) ?? { name: primary, port: 80 }
  const baseMatches = (base?.matches ?? [DEFAULT_MATCH]) as Json[]
  const headers = matches.map((m) => (m.regex !== undefined ? { name: m.header, type: 'RegularExpression', value: m.regex } : { name: m.header, type: 'Exact', value: m.exact ?? '' }))
  return [
    { matches: baseMatches.map((m) => ({ ...m, headers: [...(m.headers ?? []), ...headers] })), backendRefs: [{ ...primaryRef, weight: 0 }, { ...primaryRef, name: canary, weight: 100 }] },
    { matches: baseMatches, backendRefs: [{ ...primaryRef, weight: 100 }, { ...primaryRef, name: canary, weight: 0 }] }
  ]
}

/** The canary's percent in the first rule that serves the primary (0 when it has no canary backend). */
export function routeWeightOf(route: Json, primary: string, canary: string): number {
  for (const rule of (route.spec?.rules ?? []) as Json[]) {
    const refs = (rule.backendRefs ?? []) as Json[]
    if (!refs.some((r) => refersTo(r, primary))) continue
    const weightOf = (r: Json | undefined): number => (r ? Number(r.weight ?? 1) : 0)
    const total = refs.reduce((sum, r) => sum + weightOf(r), 0)
    const canaryWeight = weightOf(refs.find((r) => refersTo(r, canary)))
    return total > 0 ? Math.round((canaryWeight * 100) / total) : 0
  }
  return 0
}

export class GatewayApiRouter implements Router {
  readonly kind = 'gateway-api'

  constructor(
    private readonly c: RouterContext,
    readonly route: string
  ) {}

  get object(): string {
    return `httproute ${this.route}`
  }

  private async get(): Promise<Json> {
    try {
      return await this.c.kubectl.readJson<Json>(['get', 'httproute', this.route, '-n', this.c.namespace])
    } catch (error) {
      if (error instanceof KubectlError && error.notFound) {
        throw new MissingObjectError(`httproute ${this.route} was not found in namespace ${this.c.namespace}: set the input "route" to the HTTPRoute that serves the primary`)
      }
      throw error
    }
  }

  private primaryOf(route: Json): string {
    const primary = primaryServiceOf(route, this.c.primaryService, this.c.canaryService)
    if (!primary) throw new MissingObjectError(`httproute ${this.route} has no backendRef to the primary Service ${this.c.primaryService}`)
    return primary
  }

  async prepare(): Promise<void> {
    this.primaryOf(await this.get())
  }

  async readWeight(): Promise<number> {
    const route = await this.get()
    return routeWeightOf(route, this.primaryOf(route), this.c.canaryService)
  }

  async setWeight(weight: number): Promise<number> {
    const route = await this.get()
    const rules = weightedRules(route, this.primaryOf(route), this.c.canaryService, weight)
    await this.c.kubectl.write(['patch', 'httproute', this.route, '-n', this.c.namespace, '--type=merge', '-p', JSON.stringify({ spec: { rules } })], { safe: weight === 0 })
    if (this.c.kubectl.dryRun) return weight
    const seen = await this.readWeight()
    if (seen !== weight) throw new WeightNotApplied(this.object, weight, seen)
    return seen
  }

  async setMatch(matches: HeaderMatch[]): Promise<void> {
    const route = await this.get()
    const rules = headerRules(route, this.primaryOf(route), this.c.canaryService, matches)
    await this.c.kubectl.write(['patch', 'httproute', this.route, '-n', this.c.namespace, '--type=merge', '-p', JSON.stringify({ spec: { rules } })])
    if (this.c.kubectl.dryRun) return
    const seen = ((await this.get()).spec?.rules ?? []) as Json[]
    const first = seen[0]
    const headers = ((first?.matches ?? []) as Json[]).flatMap((m) => (m.headers ?? []) as Json[])
    const canaryRef = ((first?.backendRefs ?? []) as Json[]).find((r) => refersTo(r, this.c.canaryService))
    const landed = matches.every((m) => headers.some((h) => h.name === m.header && h.value === (m.regex ?? m.exact ?? ''))) && Number(canaryRef?.weight ?? 0) === 100
    if (!landed) throw new MatchNotApplied(this.object, matches)
  }

  zeroCommand(): string {
    return `${displayCommand('kubectl', ['edit', 'httproute', this.route, '-n', this.c.namespace])}  (backendRefs: ${this.c.primaryService} weight 100, ${this.c.canaryService} weight 0)`
  }
}
