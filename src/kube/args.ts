// Args whose values live in the cluster (valueFrom): a Secret's key, the pod-template hash of the
// stable or canary revision, or a field of the Rollout: in the step's args, the templates' and the
// metrics' baselines. Read once per analysis, before it starts.
import { DEFERRED_SOURCE, type ValueFromResolver } from '../plan/instantiate.js'
import type { RawArg, RawStepArg } from '../plan/schema.js'
import type { AnalysisTemplate } from '../plan/templates.js'
import type { Secrets } from '../secrets.js'
import { checkKubernetesName } from '../inputs.js'
import type { Kubectl } from './kubectl.js'
import type { RolloutState } from './rollout.js'

type Resolved = { value: string; source: string } | { problem: string }

function fieldOf(state: RolloutState, fieldPath: string): Resolved {
  const simple: Record<string, string> = { 'metadata.name': state.name, 'metadata.namespace': state.namespace }
  if (fieldPath in simple) return { value: simple[fieldPath], source: `field ${fieldPath}` }
  const keyed = /^metadata\.(labels|annotations)\[['"](.+)['"]\]$/.exec(fieldPath)
  if (keyed) {
    const map = keyed[1] === 'labels' ? state.labels : state.annotations
    const value = map[keyed[2]]
    return value === undefined ? { problem: `the Rollout has no ${keyed[1].slice(0, -1)} "${keyed[2]}"` } : { value, source: `field ${fieldPath}` }
  }
  return { problem: `fieldRef ${fieldPath} is not supported (metadata.name, metadata.namespace, metadata.labels['…'], metadata.annotations['…'])` }
}

async function secretOf(kubectl: Kubectl, namespace: string, ref: { name: string; key: string }, secrets: Secrets): Promise<Resolved> {
  const problem = checkKubernetesName(ref.name, 'name')
  if (problem) return { problem: `secretKeyRef name ${problem}` }
  try {
    const secret = await kubectl.readJson<{ data?: Record<string, string> }>(['get', 'secret', ref.name, '-n', namespace])
    const encoded = secret.data?.[ref.key]
    if (encoded === undefined) return { problem: `secret ${ref.name} has no key "${ref.key}"` }
    const value = Buffer.from(encoded, 'base64').toString('utf8')
    secrets.add(value)
    return { value, source: `secret ${ref.name}/${ref.key}` }
  } catch (error) {
    return { problem: `could not read secret ${ref.name}: ${(error as Error).message}` }
  }
}

/** Resolves every valueFrom of these args now, and answers for them synchronously afterwards. */
export async function clusterArgs(
  templates: AnalysisTemplate[],
  stepArgs: RawStepArg[],
  context: { kubectl: Kubectl; namespace: string; state: RolloutState; secrets: Secrets }
): Promise<ValueFromResolver> {
  const resolved = new Map<RawArg | RawStepArg, Resolved>()
  // The metrics' baseline args too: `baseline.args[].valueFrom` (typically the Stable pod-template hash).
  const baselines = templates.flatMap((t) => t.metrics.flatMap((m) => m.raw.baseline?.args ?? []))
  const all: Array<RawArg | RawStepArg> = [...stepArgs, ...templates.flatMap((t) => t.args), ...baselines]
  for (const arg of all) {
    const from = arg.valueFrom
    if (!from || resolved.has(arg)) continue
    if (from.secretKeyRef) resolved.set(arg, await secretOf(context.kubectl, context.namespace, from.secretKeyRef, context.secrets))
    else if (from.podTemplateHashValue) {
      const hash = from.podTemplateHashValue === 'Stable' ? context.state.stableRS : context.state.currentPodHash
      resolved.set(arg, hash ? { value: hash, source: `${from.podTemplateHashValue} pod-template hash` } : { problem: `the Rollout reports no ${from.podTemplateHashValue} pod-template hash yet` })
    } else if (from.fieldRef) resolved.set(arg, fieldOf(context.state, from.fieldRef.fieldPath))
    else resolved.set(arg, { problem: 'valueFrom names no source (secretKeyRef, podTemplateHashValue or fieldRef)' })
  }
  return (arg) => resolved.get(arg) ?? { problem: 'was not resolved from the cluster' }
}

/**
 * Before the cluster is touched, plans are checked with a stand-in for cluster values, so a typo
 * anywhere is reported first; the real values are read when the analysis starts.
 */
export const deferredArgs: ValueFromResolver = () => ({ value: '0', source: DEFERRED_SOURCE })
