// The Slack message about a gate, in Block Kit: built as a pure function of the result and the run's
// context, every text cut to Slack's limits so the message can never be refused for its shape. The
// headline and the deciding values are the report's own (report/render.ts), not a second wording:
// handed in by the caller, so the renderer stays one lazily loaded chunk shared with the summary.
import { conditionText } from '../analysis/metric.js'
import type { MetricOutcome } from '../analysis/types.js'
import type { RunContext } from '../github/context.js'
import { formatDuration } from '../plan/duration.js'
import type { GateResult } from '../report/model.js'
import type * as Render from '../report/render.js'

/** The report's words this message reuses: pass the renderer module (`await import('../report/render.js')`). */
export type ReportWords = Pick<typeof Render, 'headlineText' | 'decidingValues' | 'progressTitle' | 'verdictIcon'>

/** Slack's Block Kit limits for a message (docs.slack.dev, reference/block-kit). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** A text object's text, wherever no tighter limit applies. */
  text: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  actionId: 255
} as const

/** The message's own `text`: Slack shows it in notifications and where blocks cannot be shown. */
const FALLBACK_TEXT = 3000

export interface TextObject {
  type: 'plain_text' | 'mrkdwn'
  text: string
  emoji?: boolean
}
export interface Button {
  type: 'button'
  text: TextObject
  url: string
  action_id: string
  style?: 'primary' | 'danger'
}
export type Block =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' }
  | { type: 'actions'; elements: Button[] }

export interface SlackMessage {
  text: string
  blocks: Block[]
}

export interface SlackOptions {
  /** Applied to every text from outside before it is cut, so no secret is cut past recognition. */
  redact?: (text: string) => string
}

/**
 * The start of `text` in at most `max` UTF-16 units (how the limits are counted; an emoji is two),
 * cut between characters, never inside one.
 */
function head(text: string, max: number): string {
  let out = ''
  for (const char of text) {
    if (out.length + char.length > max) break
    out += char
  }
  return out
}

/** `text` cut to `max` characters with an ellipsis; never empty (Slack refuses empty texts). */
export function fit(text: string, max: number): string {
  if (text.length === 0) return '–'
  return text.length <= max ? text : `${head(text, max - 1)}…`
}

/** Slack's three control characters in mrkdwn and plain text alike. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Escaped mrkdwn cut to `max`, never ending in half an entity (`&am…`). */
function fitEscaped(text: string, max: number): string {
  if (text.length === 0) return '–'
  return text.length <= max ? text : `${head(text, max - 1).replace(/&[a-z]*$/, '')}…`
}

const plain = (text: string, max: number): TextObject => ({ type: 'plain_text', text: fit(text.replace(/\s+/g, ' ').trim(), max), emoji: true })
const mrkdwn = (text: string, max: number): TextObject => ({ type: 'mrkdwn', text: fitEscaped(text, max) })

const time = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)} UTC`
const took = (ms: number): string => (ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : formatDuration(ms))

/** What the gate did to the rollout, in the words people use. */
export function gateAction(result: GateResult): string {
  const deployment = result.rollout?.kind === 'deployment'
  switch (result.outcome) {
    case 'promoted':
      return 'promoted'
    case 'aborted':
      return deployment ? 'rolled back' : 'aborted'
    case 'paused':
      return 'paused for a human'
    default:
      return result.command === 'analyze' ? 'measured only (no cluster changes)' : 'left as it was'
  }
}

export interface DecidingMetric {
  metric: MetricOutcome
  /** `step 6/9`, `background`, `analyze`. */
  label: string
}

/**
 * The metrics that decided the verdict: those that ended as the gate did not want (Failed, Error,
 * Inconclusive) when the verdict is not Successful, every measured one when it is. Dry-run metrics
 * never decide.
 */
export function decidingMetrics(result: GateResult): DecidingMetric[] {
  const all = result.analyses.flatMap((analysis) => analysis.outcome.metrics.filter((metric) => !metric.spec.dryRun).map((metric) => ({ metric, label: analysis.label })))
  if (result.verdict === 'Successful') return all
  const bad = all.filter(({ metric }) => metric.phase === 'Failed' || metric.phase === 'Error' || metric.phase === 'Inconclusive')
  return bad.length ? bad : all
}

/** One line of a deciding metric: its values and its limits. */
function metricLine({ metric, label }: DecidingMetric, clean: (text: string) => string, { decidingValues, verdictIcon }: ReportWords): string {
  const { spec } = metric
  const limits = [conditionText(spec)]
  if (metric.phase === 'Failed' || spec.failureLimit > 0) limits.push(`failureLimit ${spec.failureLimit}`)
  if (metric.phase === 'Inconclusive' && spec.inconclusiveLimit > 0) limits.push(`inconclusiveLimit ${spec.inconclusiveLimit}`)
  const values = fit(clean(decidingValues(metric)), 300)
  const where = label === 'analyze' ? '' : ` (${escapeSlack(fit(clean(label), 60))})`
  return `${verdictIcon(metric.phase)} *${escapeSlack(fit(clean(spec.name), 100))}*${where}: ${escapeSlack(values)} — ${metric.phase}; limit: ${escapeSlack(fit(clean(limits.join(', ')), 400))}`
}

/** As many whole lines as fit in one section's text, then how many were left out. */
function linesSection(title: string, lines: string[], more: (left: number) => string): Block | undefined {
  if (lines.length === 0) return undefined
  const max = SLACK_LIMITS.sectionText
  const reserve = 120
  let text = title
  let shown = 0
  for (const line of lines) {
    const next = `${text}\n${line}`
    if (next.length > max - reserve) break
    text = next
    shown++
  }
  if (shown === 0) text = `${title}\n${fitEscaped(lines[0], max - reserve - title.length - 1)}`
  const left = lines.length - Math.max(shown, 1)
  if (left > 0) text += `\n_${more(left)}_`
  return { type: 'section', text: mrkdwn(text, max) }
}

function abortLine(result: GateResult): string | undefined {
  const abort = result.abort
  if (!abort) return undefined
  const steps: string[] = []
  if (abort.failingMeasurementAt !== undefined) steps.push(`failing measurement ${time(abort.failingMeasurementAt)}`)
  steps.push(`abort requested ${time(abort.requestedAt)}${abort.failingMeasurementAt === undefined ? '' : ` (+${took(abort.requestedAt - abort.failingMeasurementAt)})`}`)
  steps.push(
    abort.confirmedAt === undefined
      ? 'not confirmed when the gate stopped watching'
      : `confirmed at canary weight ${abort.weightAfter ?? 0}% ${time(abort.confirmedAt)} (+${took(abort.confirmedAt - abort.requestedAt)})`
  )
  return `*${result.rollout?.kind === 'deployment' ? 'Rollback' : 'Abort'}* — canary traffic ${abort.weightBefore}% → ${abort.weightAfter ?? '?'}%\n${steps.join(' → ')}`
}

function pullRequestUrl(context: RunContext): string | undefined {
  return context.pullRequest && context.repository ? `${context.serverUrl}/${context.repository}/pull/${context.pullRequest.number}` : undefined
}

function commitUrl(context: RunContext): string | undefined {
  return context.sha && context.repository ? `${context.serverUrl}/${context.repository}/commit/${context.sha}` : undefined
}

/** Only a URL Slack accepts whole becomes a link: a cut URL would lead somewhere else. */
function usableUrl(url: string | undefined): url is string {
  return url !== undefined && url.length <= SLACK_LIMITS.buttonUrl && /^https?:\/\/[^\s<>|]+$/.test(url)
}

function linkButtons(context: RunContext): Block | undefined {
  const buttons: Button[] = []
  const add = (label: string, url: string | undefined, id: string): void => {
    if (usableUrl(url)) buttons.push({ type: 'button', text: plain(label, SLACK_LIMITS.buttonText), url, action_id: id })
  }
  add('Workflow run', context.runUrl, 'canary-gate-run')
  add(`Pull request #${context.pullRequest?.number ?? ''}`, pullRequestUrl(context), 'canary-gate-pr')
  add(`Commit ${context.sha?.slice(0, 7) ?? ''}`, commitUrl(context), 'canary-gate-commit')
  return buttons.length ? { type: 'actions', elements: buttons.slice(0, SLACK_LIMITS.actionsElements) } : undefined
}

/** Label and value pairs, as a section's two columns. */
function fieldsSection(pairs: Array<[string, string | undefined]>): Block | undefined {
  const fields = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '').map(([label, value]) => mrkdwn(`*${label}*\n${value}`, SLACK_LIMITS.fieldText))
  return fields.length ? { type: 'section', fields: fields.slice(0, SLACK_LIMITS.sectionFields) } : undefined
}

/** Rollout, namespace, image and commit: what the gate was about. */
function subjectPairs(result: GateResult, context: RunContext, clean: (text: string) => string): Array<[string, string | undefined]> {
  const code = (text: string, max: number): string => `\`${escapeSlack(fit(clean(text).replace(/`/g, "'"), max))}\``
  const commit = context.sha ? context.sha.slice(0, 7) : undefined
  return [
    [result.rollout?.kind === 'deployment' ? 'Deployment' : 'Rollout', result.rollout ? code(result.rollout.name, 300) : undefined],
    ['Namespace', result.rollout ? code(result.rollout.namespace, 100) : undefined],
    ['Image', result.rollout?.image ? code(result.rollout.image, 500) : undefined],
    ['Commit', commit && usableUrl(commitUrl(context)) ? `<${commitUrl(context)}|${commit}>` : commit]
  ]
}

/** Never more than Slack takes: 50 blocks, the last ones (the links) kept. */
function capBlocks(blocks: Block[]): Block[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks
  const actions = blocks.filter((block) => block.type === 'actions')
  return [...blocks.filter((block) => block.type !== 'actions').slice(0, SLACK_LIMITS.blocks - actions.length), ...actions]
}

/** The message when the gate has ended: what happened, why, the abort's timings, and where to look. */
export function finishedMessage(result: GateResult, context: RunContext, words: ReportWords, options: SlackOptions = {}): SlackMessage {
  const { headlineText, verdictIcon } = words
  const clean = options.redact ?? ((text: string) => text)
  const headline = clean(headlineText(result))
  const icon = verdictIcon(result.verdict)
  const blocks: Block[] = [{ type: 'header', text: plain(`${icon} ${headline}`, SLACK_LIMITS.headerText) }]
  const fields = fieldsSection([
    ['Verdict', `${icon} ${result.verdict}`],
    ['The gate', gateAction(result)],
    ...subjectPairs(result, context, clean),
    ['Took', took(result.finishedAt - result.startedAt)]
  ])
  if (fields) blocks.push(fields)
  const deciding = decidingMetrics(result)
  const metrics = linesSection(
    result.verdict === 'Successful' ? '*Metrics*' : '*Deciding metrics*',
    deciding.map((d) => metricLine(d, clean, words)),
    (left) => `${left} more in the JSON report`
  )
  if (metrics) blocks.push(metrics)
  const abort = abortLine(result)
  if (abort) blocks.push({ type: 'section', text: mrkdwn(abort, SLACK_LIMITS.sectionText) })
  if (result.configErrors.length) {
    const errors = linesSection(
      '*Configuration errors* — nothing was measured',
      result.configErrors.map((line) => `• ${escapeSlack(fit(clean(line), 500))}`),
      (left) => `${left} more in the job summary`
    )
    if (errors) blocks.push(errors)
  }
  const why = linesSection(
    '*Why*',
    result.reasons.slice(0, 5).map((reason) => `• ${escapeSlack(fit(clean(reason), 500))}`),
    (left) => `${left} more in the job summary`
  )
  if (why) blocks.push(why)
  const links = linkButtons(context)
  blocks.push({ type: 'context', elements: [mrkdwn(`canary-gate · ${escapeSlack(result.command)} · finished ${new Date(result.finishedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC`, SLACK_LIMITS.text)] })
  if (links) blocks.push(links)
  const subject = result.rollout ? ` (${result.rollout.name} in ${result.rollout.namespace})` : ''
  const text = `${icon} canary-gate: ${headline}${clean(subject)}${usableUrl(context.runUrl) ? ` — ${context.runUrl}` : ''}`
  return { text: fitEscaped(escapeSlack(text), FALLBACK_TEXT), blocks: capBlocks(blocks) }
}

/** The message when the gate starts: what it is about to gate, and where to follow it. */
export function startedMessage(snapshot: GateResult, context: RunContext, { progressTitle }: ReportWords, options: SlackOptions = {}): SlackMessage {
  const clean = options.redact ?? ((text: string) => text)
  const subject = snapshot.rollout ? `${snapshot.rollout.kind ?? 'rollout'} ${snapshot.rollout.name} in ${snapshot.rollout.namespace}` : snapshot.command === 'analyze' ? 'an analysis' : 'a rollout'
  const headline = clean(`⏳ canary-gate started: ${subject}`)
  const blocks: Block[] = [{ type: 'header', text: plain(headline, SLACK_LIMITS.headerText) }]
  const fields = fieldsSection([['Command', escapeSlack(snapshot.command)], ...subjectPairs(snapshot, context, clean)])
  if (fields) blocks.push(fields)
  blocks.push({ type: 'section', text: mrkdwn(escapeSlack(fit(clean(progressTitle(snapshot)), 1000)), SLACK_LIMITS.sectionText) })
  blocks.push({ type: 'context', elements: [mrkdwn(`canary-gate · started ${new Date(snapshot.startedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC`, SLACK_LIMITS.text)] })
  const links = linkButtons(context)
  if (links) blocks.push(links)
  const text = `${headline}${usableUrl(context.runUrl) ? ` — ${context.runUrl}` : ''}`
  return { text: fitEscaped(escapeSlack(text), FALLBACK_TEXT), blocks: capBlocks(blocks) }
}
