// The Deployment target as the commands make it: the routing (from the inputs, or from a Flagger
// Canary), the target over it, and what the post step must know to roll it back.
import type { Kubectl } from '../kube/kubectl.js'
import type { StartedState } from '../post-state.js'
import type { PlanStep } from '../plan/rollout.js'
import { DeploymentTarget, type DeploymentTargetOptions } from '../targets/deployment.js'
import type { HeaderMatch } from '../targets/routers/router.js'
import type { CommandContext } from './context.js'

/** Which Deployment, and what splits its traffic. */
export interface Routing {
  name: string
  router: 'nginx' | 'gateway-api'
  ingress?: string
  route?: string
  service?: string
  match?: HeaderMatch[]
}

/** The routing the inputs name (no router given: nginx). */
export function routingFromInputs(context: CommandContext): Routing {
  const { inputs } = context
  return { name: inputs.deployment!, router: inputs.router ?? 'nginx', ingress: inputs.ingress, route: inputs.route }
}

export function deploymentTarget(context: CommandContext, kubectl: Kubectl, routing: Routing, steps: PlanStep[], extra: Partial<DeploymentTargetOptions> = {}): DeploymentTarget {
  const { inputs, clock, log } = context
  return new DeploymentTarget({
    kubectl,
    name: routing.name,
    namespace: inputs.namespace,
    log,
    clock,
    steps,
    router: routing.router,
    ingress: routing.ingress,
    route: routing.route,
    service: routing.service,
    match: routing.match,
    readyThreshold: inputs.canaryReadyThreshold,
    pollMs: inputs.pollIntervalMs,
    ...extra
  })
}

/** What the post step needs to roll the canary back if this step is killed. */
export function startedDeployment(context: CommandContext, routing: Routing): StartedState {
  const { inputs } = context
  return {
    rollout: routing.name,
    namespace: inputs.namespace,
    context: inputs.kubeContext,
    abortOnCancel: inputs.abortOnCancel,
    deployment: { router: routing.router, ingress: routing.ingress, route: routing.route, ...(routing.service ? { service: routing.service } : {}) }
  }
}
