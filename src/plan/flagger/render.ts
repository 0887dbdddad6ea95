// A Flagger query as Flagger renders it (pkg/metrics/observers/render.go): a Go template whose
// functions are the model's fields (`{{ namespace }}`, `{{ target }}`, `{{ interval }}`, …) and
// `{{ variables.x }}` for the metric's templateVariables, with missingkey=error. canary-gate reads
// exactly these actions (and Go's `{{-` / `-}}` whitespace trimming); any other action is refused
// by name rather than sent to Prometheus as text.

/** Flagger's MetricTemplateModel. */
export interface MetricTemplateModel {
  /** The Canary's name. */
  name: string
  namespace: string
  /** spec.targetRef.name. */
  target: string
  /** spec.service.name, or the target's name. */
  service: string
  /** spec.ingressRef.name, or the target's name. */
  ingress: string
  /** spec.routeRef.name, or the target's name. */
  route: string
  /** The metric's interval, as written (`1m`). */
  interval: string
  variables: Record<string, string>
}

export const MODEL_FUNCTIONS = ['name', 'namespace', 'target', 'service', 'ingress', 'route', 'interval', 'variables'] as const

const ACTION = /\{\{(-\s)?\s*([\s\S]*?)\s*(\s-)?\}\}/g

export type Rendered = { text: string; problems: [] } | { text?: undefined; problems: string[] }

export function renderQuery(template: string, model: MetricTemplateModel): Rendered {
  const problems: string[] = []
  let out = ''
  let last = 0
  for (const match of template.matchAll(ACTION)) {
    let before = template.slice(last, match.index)
    if (match[1]) before = before.replace(/\s+$/, '')
    out += before
    last = match.index + match[0].length
    if (match[3]) {
      const rest = template.slice(last)
      last += rest.length - rest.replace(/^\s+/, '').length
    }
    const action = match[2]
    const variable = /^variables\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action)
    if (variable) {
      const value = Object.hasOwn(model.variables, variable[1]) ? model.variables[variable[1]] : undefined
      if (value === undefined) {
        const known = Object.keys(model.variables)
        problems.push(`{{ ${action} }} names no templateVariable (the metric has ${known.length > 0 ? known.join(', ') : 'none'}); Flagger fails the check with "map has no entry for key"`)
      } else out += value
      continue
    }
    if ((MODEL_FUNCTIONS as readonly string[]).includes(action) && action !== 'variables') {
      out += model[action as Exclude<keyof MetricTemplateModel, 'variables'>]
      continue
    }
    problems.push(`{{ ${action.length > 40 ? `${action.slice(0, 40)}…` : action} }} is not one of Flagger's query placeholders ({{ ${MODEL_FUNCTIONS.filter((f) => f !== 'variables').join(' }}, {{ ')} }}, {{ variables.x }})`)
  }
  out += template.slice(last)
  if (problems.length > 0) return { problems }
  // An unclosed action is a template parse error in Flagger.
  if (out.includes('{{')) return { problems: ['has a "{{" that is never closed with "}}"'] }
  return { text: out, problems: [] }
}
