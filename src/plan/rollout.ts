// The Rollout document of a plan → the step plan canary-gate drives: which steps the controller
// runs on its own (setWeight, timed pauses, …) and which pauses stand for an analysis that
// canary-gate runs (each `analysis` step becomes an indefinite `pause: {}` in the cluster).
import type { IssueList } from '../config-error.js'
import { parseDuration, formatDuration } from './duration.js'
import type { SourceDocument, YamlPath } from './load.js'
import { rolloutSchema, stepSchemas, type RawAnalysisRef, type StepKind } from './schema.js'
import { fieldPath, reportZodIssues, suggestion, withoutRepeats, type AnalysisTemplate } from './templates.js'

export interface AnalysisGate {
  templates: AnalysisTemplate[]
  ref: RawAnalysisRef
  /** Where the analysis was written, for messages. */
  path: YamlPath
}

export type PlanStep =
  | { kind: 'setWeight'; weight: number }
  | { kind: 'pause'; durationMs?: number }
  | { kind: 'analysis'; gate: AnalysisGate }
  /** Steps the controller runs itself (setCanaryScale, setHeaderRoute, experiment, …). */
  | { kind: 'other'; name: string }

export interface RolloutPlan {
  name: string
  doc: SourceDocument
  steps: PlanStep[]
  /** The steps as the cluster should hold them: every analysis step an indefinite pause. */
  liveSteps: unknown[]
  background?: AnalysisGate & { startingStep: number }
}

/** Steps Argo knows besides the three canary-gate acts on; they are left to the controller. */
const CONTROLLER_STEPS = new Set(['setCanaryScale', 'setHeaderRoute', 'setMirrorRoute', 'experiment', 'plugin'])
const STEP_KINDS = Object.keys(stepSchemas) as StepKind[]
const ALL_STEPS = [...STEP_KINDS, ...CONTROLLER_STEPS]

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'setWeight':
      return `setWeight ${step.weight}%`
    case 'pause':
      return step.durationMs === undefined ? 'pause until promoted' : `pause ${formatDuration(step.durationMs)}`
    case 'analysis':
      return `analysis ${step.gate.templates.map((t) => t.name).join(', ') || step.gate.ref.templates.map((t) => t.templateName).join(', ')}`
    case 'other':
      return step.name
  }
}

function findTemplates(ref: RawAnalysisRef, templates: AnalysisTemplate[], doc: SourceDocument, path: YamlPath, subject: string, issues: IssueList): AnalysisTemplate[] {
  const found: AnalysisTemplate[] = []
  ref.templates.forEach((wanted, index) => {
    const kind = wanted.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'
    const template = templates.find((t) => t.kind === kind && t.name === wanted.templateName)
    if (template) {
      found.push(template)
      return
    }
    const available = templates.filter((t) => t.kind === kind).map((t) => t.name)
    issues.add({
      where: doc.at([...path, 'templates', index, 'templateName']),
      subject,
      field: fieldPath([...path, 'templates', index, 'templateName']),
      message: `no ${kind} "${wanted.templateName}" in the plan (it has: ${available.join(', ') || 'none'}); add its file to the plan input`
    })
  })
  // A template named twice, or also part of a composed one, runs once, as in Argo.
  return withoutRepeats(found)
}

function pauseDuration(value: string | number | undefined): number | undefined | null {
  if (value === undefined) return undefined
  const ms = typeof value === 'number' ? value * 1000 : /^\d+$/.test(value.trim()) ? Number(value) * 1000 : parseDuration(value)
  return ms === undefined || ms < 0 || !Number.isFinite(ms) ? null : ms
}

type ReadStep = { kind: 'other'; name: string } | { kind: StepKind; value: unknown } | undefined

/**
 * One step as Argo defines it: a mapping with exactly one action. Anything else is named here,
 * at its line, rather than guessed at: a misspelt action (`setWieght`) or a second action in the
 * same step would otherwise change what the rollout does.
 */
function readStep(raw: unknown, index: number, doc: SourceDocument, subject: string, issues: IssueList): ReadStep {
  const path: YamlPath = ['spec', 'strategy', 'canary', 'steps', index]
  const field = `spec.strategy.canary.steps[${index}]`
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.add({ where: doc.at(path), subject, field, message: `must be a mapping with one action (${ALL_STEPS.join(', ')})` })
    return undefined
  }
  const keys = Object.keys(raw)
  const known = keys.filter((key) => ALL_STEPS.includes(key))
  for (const key of keys.filter((k) => !ALL_STEPS.includes(k))) {
    issues.add({ where: doc.at([...path, key]), subject, field: `${field}.${key}`, message: `unknown step${suggestion(key, ALL_STEPS) || ` (a step is one of ${ALL_STEPS.join(', ')})`}` })
  }
  if (known.length !== keys.length) return undefined
  if (known.length !== 1) {
    issues.add({
      where: doc.at(path),
      subject,
      field,
      message: known.length === 0 ? `is empty: a step is one of ${ALL_STEPS.join(', ')}` : `has ${known.length} actions (${known.join(', ')}); a step does one thing, so make each its own step`
    })
    return undefined
  }
  const key = known[0]
  if (CONTROLLER_STEPS.has(key)) return { kind: 'other', name: key }
  const kind = key as StepKind
  const schema = stepSchemas[kind]
  const parsed = schema.safeParse((raw as Record<string, unknown>)[key])
  if (!parsed.success) {
    reportZodIssues(parsed.error, doc, [...path, key], subject, issues, schema, [...path, key])
    return undefined
  }
  return { kind, value: parsed.data }
}

/** The Rollout named `name` (or the plan's only Rollout) as a step plan; problems go to `issues`. */
export function readRolloutPlan(docs: SourceDocument[], name: string, templates: AnalysisTemplate[], issues: IssueList): RolloutPlan | undefined {
  const rollouts = docs.filter((doc) => doc.kind === 'Rollout')
  let doc = rollouts.find((d) => d.name === name)
  if (!doc && rollouts.length === 1) doc = rollouts[0]
  if (!doc) {
    issues.add({
      where: 'input "plan"',
      message: rollouts.length === 0 ? 'holds no Rollout document: command run needs the Rollout with its canary steps' : `holds no Rollout named "${name}" (it has: ${rollouts.map((r) => r.name).join(', ')})`
    })
    return undefined
  }
  const subject = `rollout "${doc.name}"`
  const twin = rollouts.find((other) => other !== doc && other.name === doc!.name)
  if (twin) {
    // Which of the two the user meant cannot be guessed; driving either would drop the other's steps.
    issues.add({ where: twin.at(['metadata', 'name']), subject, message: `is defined twice (also at ${doc.at(['metadata', 'name'])})` })
    return undefined
  }
  // The kind is the one meant: a misspelt kind was reported when the file was read.
  const parsed = rolloutSchema.safeParse({ ...doc.value, kind: doc.kind })
  if (!parsed.success) {
    reportZodIssues(parsed.error, doc, [], subject, issues, rolloutSchema)
    return undefined
  }
  const canary = parsed.data.spec.strategy.canary
  if (!canary && parsed.data.spec.strategy.blueGreen !== undefined) {
    issues.add({ where: doc.at(['spec', 'strategy', 'blueGreen']), subject, field: 'spec.strategy.blueGreen', message: 'canary-gate drives canary steps, and this Rollout uses blueGreen' })
    return undefined
  }
  if (!canary?.steps || canary.steps.length === 0) {
    issues.add({ where: doc.at(['spec', 'strategy']), subject, field: 'spec.strategy.canary.steps', message: 'the Rollout has no canary steps to drive' })
    return undefined
  }
  const steps: PlanStep[] = []
  const liveSteps: unknown[] = []
  canary.steps.forEach((raw, index) => {
    const path: YamlPath = ['spec', 'strategy', 'canary', 'steps', index]
    const step = readStep(raw, index, doc!, subject, issues)
    if (!step) return
    if (step.kind === 'other') {
      steps.push(step)
      liveSteps.push(raw)
    } else if (step.kind === 'setWeight') {
      steps.push({ kind: 'setWeight', weight: step.value as number })
      liveSteps.push(raw)
    } else if (step.kind === 'pause') {
      const duration = (step.value as { duration?: string | number }).duration
      const durationMs = pauseDuration(duration)
      if (durationMs === null) {
        issues.add({ where: doc!.at([...path, 'pause', 'duration']), subject, field: `spec.strategy.canary.steps[${index}].pause.duration`, message: `"${duration}" is not a duration (e.g. 30s, 2m, or a number of seconds)` })
        return
      }
      steps.push({ kind: 'pause', durationMs })
      liveSteps.push(raw)
    } else {
      const ref = step.value as RawAnalysisRef
      const gatePath: YamlPath = [...path, 'analysis']
      const found = findTemplates(ref, templates, doc!, gatePath, subject, issues)
      steps.push({ kind: 'analysis', gate: { templates: found, ref, path: gatePath } })
      // The controller waits at an indefinite pause while canary-gate runs the analysis.
      liveSteps.push({ pause: {} })
    }
  })
  let background: RolloutPlan['background']
  if (canary.analysis) {
    const path: YamlPath = ['spec', 'strategy', 'canary', 'analysis']
    const found = findTemplates(canary.analysis, templates, doc, path, subject, issues)
    const startingStep = canary.analysis.startingStep ?? 0
    if (startingStep > steps.length) {
      issues.add({ where: doc.at([...path, 'startingStep']), subject, field: 'spec.strategy.canary.analysis.startingStep', message: `${startingStep} is past the last step (${steps.length} steps)` })
    }
    background = { templates: found, ref: canary.analysis, path, startingStep }
  }
  return { name: doc.name, doc, steps, liveSteps, background }
}

/** A readable line-by-line difference of two step lists, for logs and the GitOps refusal. */
export function stepsDiff(live: unknown[], wanted: unknown[]): string[] {
  const lines: string[] = []
  const show = (step: unknown): string => JSON.stringify(step) ?? 'nothing'
  for (let i = 0; i < Math.max(live.length, wanted.length); i++) {
    const a = i < live.length ? show(live[i]) : undefined
    const b = i < wanted.length ? show(wanted[i]) : undefined
    if (a === b) lines.push(`  step ${i}: ${a}`)
    else {
      if (a !== undefined) lines.push(`- step ${i}: ${a}`)
      if (b !== undefined) lines.push(`+ step ${i}: ${b}`)
    }
  }
  return lines
}

/** Structural equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]))
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
    const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
    return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return false
}
