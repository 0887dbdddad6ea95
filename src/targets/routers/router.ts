// What a gate-driven target needs of whatever splits the traffic between the primary and the canary
// Service: an nginx canary Ingress or a Gateway API HTTPRoute, written as Flagger writes them.
import type { Kubectl } from '../../kube/kubectl.js'

export type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

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

/** A write that did not land: the object read back says something else. */
export class WeightNotApplied extends Error {
  constructor(object: string, wanted: number, seen: number) {
    super(`${object}: the canary weight was set to ${wanted}% but reads back as ${seen}%`)
    this.name = 'WeightNotApplied'
  }
}
