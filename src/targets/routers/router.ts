// What a gate-driven target needs of whatever splits the traffic between the primary and the canary
// Service: an nginx canary Ingress or a Gateway API HTTPRoute, written as Flagger writes them.
import type { Kubectl } from '../../kube/kubectl.js'

export type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** An A/B match, as Flagger's analysis.match holds it: one header (or `cookie`), exact or by regex. */
export interface HeaderMatch {
  header: string
  exact?: string
  regex?: string
}

/** A match as the log and the report show it: `x-canary: insider`, `cookie ~ ^(.*?;)?(canary=always)(;.*)?$`. */
export function describeMatch(matches: HeaderMatch[]): string {
  return matches.map((m) => (m.regex !== undefined ? `${m.header} ~ ${m.regex}` : `${m.header}: ${m.exact ?? ''}`)).join(' and ')
}

export interface RouterContext {
  kubectl: Kubectl
  namespace: string
  /** The Services the traffic is split between. */
  primaryService: string
  canaryService: string
}

export interface Router {
  readonly kind: 'nginx' | 'gateway-api'
  /** The object whose weight the gate writes, for the log and the report ("ingress podinfo-canary"). */
  readonly object: string
  /** Checks the router's objects exist (a clear error when not); creates the canary Ingress when missing. */
  prepare(): Promise<void>
  /** The canary's percent of the traffic, as the object says now. */
  readWeight(): Promise<number>
  /** Writes the weight, reads the object back, and fails unless it says exactly that weight. */
  setWeight(weight: number): Promise<number>
  /**
   * A/B: sends every request that matches to the canary and the rest to the primary, reads the
   * object back, and fails unless it routes so. `readWeight` then says 100 (of the matched requests);
   * `setWeight(0)` ends it.
   */
  setMatch(matches: HeaderMatch[]): Promise<void>
  /** The command a person runs to put the canary's weight at 0. */
  zeroCommand(): string
}

/** A router object that is not there: a configuration problem, said in the user's words. */
export class MissingObjectError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MissingObjectError'
  }
}

/** A match that did not land: the object read back routes otherwise. */
export class MatchNotApplied extends Error {
  constructor(object: string, matches: HeaderMatch[]) {
    super(`${object}: the requests matching ${describeMatch(matches)} were to go to the canary, but the object read back does not route them so`)
    this.name = 'MatchNotApplied'
  }
}

/** A write that did not land: the object read back says something else. */
export class WeightNotApplied extends Error {
  constructor(object: string, wanted: number, seen: number) {
    super(`${object}: the canary weight was set to ${wanted}% but reads back as ${seen}%`)
    this.name = 'WeightNotApplied'
  }
}
