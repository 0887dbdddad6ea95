// Which documents of a plan file are Flagger's: `Canary` and `MetricTemplate` in flagger.app/v1beta1.
// Files are parsed as for Argo documents (load.ts: lines, duplicate keys, limits); only the choice
// of kinds differs. Flagger's other kinds (AlertProvider) and every other group are left alone; a
// misspelt kind or group is reported and the document read as the one meant, as for Argo's.
import type { IssueList } from '../../config-error.js'
import { ARGO_READER, clip, eitherReader, groupOf, parseDocuments, type DocumentReader, type KindProblem, type SourceDocument } from '../load.js'
import { closest } from '../templates.js'

export const FLAGGER_GROUP = 'flagger.app'
export const FLAGGER_API_VERSION = 'flagger.app/v1beta1'
export const FLAGGER_KINDS = ['Canary', 'MetricTemplate'] as const
const OTHER_FLAGGER_KINDS = new Set(['AlertProvider'])

function decide(record: Record<string, unknown>): { read?: string; problems: KindProblem[] } {
  const kind = record.kind
  const problems: KindProblem[] = []
  const apiVersion = typeof record.apiVersion === 'string' ? record.apiVersion.trim() : undefined
  const group = apiVersion === undefined ? undefined : groupOf(apiVersion)
  if (kind === undefined || kind === null) {
    if (group !== FLAGGER_GROUP) return { problems }
    const spec = record.spec && typeof record.spec === 'object' ? (record.spec as Record<string, unknown>) : {}
    const looksLike = 'targetRef' in spec ? 'a Canary (it has spec.targetRef)' : 'query' in spec ? 'a MetricTemplate (it has spec.query)' : undefined
    problems.push({ path: [], field: 'kind', message: `is missing, so the document would not be read${looksLike ? `; it looks like ${looksLike}` : ''}` })
    return { problems }
  }
  if (typeof kind !== 'string') return group === FLAGGER_GROUP ? { problems: [{ path: ['kind'], field: 'kind', message: 'must be text, such as Canary' }] } : { problems }
  const nearGroup = group !== undefined && group !== FLAGGER_GROUP && closest(group, [FLAGGER_GROUP]) !== undefined
  const exact = (FLAGGER_KINDS as readonly string[]).includes(kind)
  // Other projects have a Canary too (Kruise Rollouts, Argo's canary steps live elsewhere): only
  // Flagger's group, or a slip of its name, is Flagger's.
  if (group !== FLAGGER_GROUP && !nearGroup) return { problems }
  const meant = exact ? kind : OTHER_FLAGGER_KINDS.has(kind) ? undefined : closest(kind, FLAGGER_KINDS)
  if (meant && apiVersion !== FLAGGER_API_VERSION) {
    problems.push({
      path: ['apiVersion'],
      field: 'apiVersion',
      message: nearGroup ? `"${apiVersion}" is not Flagger's API group (did you mean "${FLAGGER_API_VERSION}"?)` : `"${clip(apiVersion ?? '')}" is not served: Flagger's ${meant} is ${FLAGGER_API_VERSION}`
    })
  }
  if (meant && !exact) {
    const caseOnly = meant.toLowerCase() === kind.toLowerCase()
    problems.push({ path: ['kind'], field: 'kind', message: `unknown kind "${kind}"${caseOnly ? ', kinds are case-sensitive' : ''} (did you mean "${meant}"?)` })
  }
  if (!meant && !OTHER_FLAGGER_KINDS.has(kind)) {
    problems.push({ path: ['kind'], field: 'kind', message: `Flagger has no kind "${clip(kind)}"; canary-gate reads ${FLAGGER_KINDS.join(', ')}` })
  }
  return { read: meant, problems }
}

export const FLAGGER_READER: DocumentReader = { decide, subjects: { Canary: 'canary', MetricTemplate: 'metric template' } }

/** The Flagger documents of one file's text (Argo's and everything else left out). */
export function parseFlaggerDocuments(text: string, file: string, issues: IssueList): SourceDocument[] {
  return parseDocuments(text, file, issues, FLAGGER_READER)
}

/** Argo's documents and Flagger's, read from the same files (the run command's and lint's reader). */
export const PLAN_READER: DocumentReader = eitherReader(ARGO_READER, FLAGGER_READER)
