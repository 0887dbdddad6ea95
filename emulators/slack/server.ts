// Slack's incoming webhooks on loopback: POST a message to a hook's path, answered as Slack answers
// (docs.slack.dev; api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks):
//   200 `ok`                 posted
//   400 `invalid_payload`    the body is not a JSON object (nor a form with a JSON `payload`)
//   400 `no_text`            neither `text` nor `blocks` (nor `attachments`)
//   400 `invalid_blocks`     a block breaks Block Kit's rules (the reason: header x-emulator-reason)
//   404 `no_service`         no hook at that path
// Blocks are checked as Block Kit defines them for messages, for the blocks canary-gate uses
// (header, section, context, divider, actions with buttons): types, text objects, lengths, counts.
// Anything else is refused here, stricter than Slack, so a message this accepts Slack accepts.
import { createServer } from 'node:http'
import { closeServer, closingSignal, listen, readBody } from '../http.js'

export const LIMITS = {
  blocks: 50,
  blockId: 255,
  text: 3000,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  buttonValue: 2000,
  actionId: 255
} as const

export interface ReceivedMessage {
  path: string
  payload: Record<string, unknown>
  at: number
}

export interface Rejection {
  path: string
  status: number
  error: string
  reason?: string
}

export type SlackFault = { kind: 'http'; status: number; body?: string } | { kind: 'hang' }

export interface SlackEmulator {
  /** http://127.0.0.1:PORT */
  url: string
  /** The hook URL for a path registered at start (default: the first). */
  hookUrl(path?: string): string
  messages: ReceivedMessage[]
  rejections: Rejection[]
  /** Every request that reached the server, answered or not. */
  requests: number
  /** Applies to the next `times` requests, or to all while set. */
  setFault(fault: SlackFault | null, times?: number): void
  close(): Promise<void>
}

export interface SlackEmulatorOptions {
  /** Hook paths, e.g. `/services/T0001/B0001/abcdef`. */
  hooks?: string[]
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

class Invalid extends Error {}

function only(object: Json, allowed: string[], where: string): void {
  for (const key of Object.keys(object)) if (!allowed.includes(key)) throw new Invalid(`${where}: unknown field "${key}"`)
}

function stringField(object: Json, key: string, where: string, max: number, required = false): void {
  const value = object[key]
  if (value === undefined && !required) return
  if (typeof value !== 'string') throw new Invalid(`${where}/${key}: must be a string`)
  if (value.length === 0) throw new Invalid(`${where}/${key}: must not be empty`)
  if (value.length > max) throw new Invalid(`${where}/${key}: must be at most ${max} characters, got ${value.length}`)
}

function textObject(value: unknown, where: string, max: number, plainOnly = false): void {
  if (!isObject(value)) throw new Invalid(`${where}: must be a text object`)
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') throw new Invalid(`${where}/type: must be plain_text or mrkdwn`)
  if (plainOnly && value.type !== 'plain_text') throw new Invalid(`${where}/type: must be plain_text`)
  only(value, value.type === 'plain_text' ? ['type', 'text', 'emoji'] : ['type', 'text', 'verbatim'], where)
  stringField(value, 'text', where, Math.min(max, LIMITS.text), true)
  for (const flag of ['emoji', 'verbatim']) if (value[flag] !== undefined && typeof value[flag] !== 'boolean') throw new Invalid(`${where}/${flag}: must be a boolean`)
}

function list(value: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(`${where}: must be an array`)
  if (value.length === 0) throw new Invalid(`${where}: must not be empty`)
  if (value.length > max) throw new Invalid(`${where}: at most ${max} items, got ${value.length}`)
  return value
}

function button(value: unknown, where: string, actionIds: Set<string>): void {
  if (!isObject(value) || value.type !== 'button') throw new Invalid(`${where}: only button elements are supported`)
  only(value, ['type', 'text', 'action_id', 'url', 'value', 'style', 'accessibility_label'], where)
  textObject(value.text, `${where}/text`, LIMITS.buttonText, true)
  stringField(value, 'action_id', where, LIMITS.actionId)
  stringField(value, 'url', where, LIMITS.buttonUrl)
  stringField(value, 'value', where, LIMITS.buttonValue)
  if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') throw new Invalid(`${where}/style: must be primary or danger`)
  if (typeof value.url === 'string' && !/^https?:\/\//.test(value.url)) throw new Invalid(`${where}/url: must be an http(s) URL`)
  if (typeof value.action_id === 'string') {
    if (actionIds.has(value.action_id)) throw new Invalid(`${where}/action_id: "${value.action_id}" is used twice`)
    actionIds.add(value.action_id)
  }
}

/** Why the blocks would be refused, or undefined when Slack takes them. */
export function blocksProblem(blocks: unknown): string | undefined {
  try {
    const all = list(blocks, '/blocks', LIMITS.blocks)
    const actionIds = new Set<string>()
    all.forEach((block, index) => {
      const where = `/blocks/${index}`
      if (!isObject(block)) throw new Invalid(`${where}: must be an object`)
      stringField(block, 'block_id', where, LIMITS.blockId)
      switch (block.type) {
        case 'header':
          only(block, ['type', 'block_id', 'text'], where)
          textObject(block.text, `${where}/text`, LIMITS.headerText, true)
          break
        case 'section':
          only(block, ['type', 'block_id', 'text', 'fields'], where)
          if (block.text === undefined && block.fields === undefined) throw new Invalid(`${where}: needs text or fields`)
          if (block.text !== undefined) textObject(block.text, `${where}/text`, LIMITS.sectionText)
          if (block.fields !== undefined) list(block.fields, `${where}/fields`, LIMITS.sectionFields).forEach((field, i) => textObject(field, `${where}/fields/${i}`, LIMITS.fieldText))
          break
        case 'context':
          only(block, ['type', 'block_id', 'elements'], where)
          list(block.elements, `${where}/elements`, LIMITS.contextElements).forEach((element, i) => textObject(element, `${where}/elements/${i}`, LIMITS.text))
          break
        case 'divider':
          only(block, ['type', 'block_id'], where)
          break
        case 'actions':
          only(block, ['type', 'block_id', 'elements'], where)
          list(block.elements, `${where}/elements`, LIMITS.actionsElements).forEach((element, i) => button(element, `${where}/elements/${i}`, actionIds))
          break
        default:
          throw new Invalid(`${where}/type: unsupported block type ${JSON.stringify(block.type)}`)
      }
    })
    return undefined
  } catch (error) {
    if (error instanceof Invalid) return error.message
    throw error
  }
}

/** How Slack answers a payload: [status, body, reason]. */
export function judgePayload(contentType: string, body: string): { status: number; error: string; reason?: string; payload?: Json } {
  let payload: unknown
  try {
    if (/application\/x-www-form-urlencoded/i.test(contentType)) payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '')
    else payload = JSON.parse(body)
  } catch {
    return { status: 400, error: 'invalid_payload', reason: 'the body is not JSON' }
  }
  if (!isObject(payload)) return { status: 400, error: 'invalid_payload', reason: 'the body is not a JSON object' }
  const hasText = typeof payload.text === 'string' && payload.text.trim() !== ''
  if (!hasText && payload.blocks === undefined && payload.attachments === undefined) return { status: 400, error: 'no_text' }
  if (payload.text !== undefined && typeof payload.text !== 'string') return { status: 400, error: 'invalid_payload', reason: 'text must be a string' }
  if (payload.blocks !== undefined) {
    const reason = blocksProblem(payload.blocks)
    if (reason) return { status: 400, error: 'invalid_blocks', reason }
  }
  return { status: 200, error: 'ok', payload }
}

export async function startSlack(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const hooks = options.hooks ?? ['/services/T0CANARY/B0GATE/s3cr3tHookT0ken0000000000']
  const closing = closingSignal()
  let fault: { f: SlackFault; times?: number } | null = null
  const emulator: SlackEmulator = {
    url: '',
    hookUrl: (path = hooks[0]) => `${emulator.url}${path}`,
    messages: [],
    rejections: [],
    requests: 0,
    setFault(f, times) {
      fault = f ? { f, times } : null
    },
    close: () => {
      closing.abort()
      return closeServer(server)
    }
  }
  const server = createServer(async (req, res) => {
    emulator.requests++
    const body = await readBody(req).catch(() => '')
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const answer = (status: number, text: string, reason?: string): void => {
      if (status !== 200) emulator.rejections.push({ path, status, error: text, reason })
      res.writeHead(status, { 'content-type': 'text/html', ...(reason ? { 'x-emulator-reason': reason.replace(/[^\x20-\x7e]/g, '?') } : {}) }).end(text)
    }
    const current = fault?.f
    if (fault?.times !== undefined && --fault.times <= 0) fault = null
    if (current?.kind === 'hang') return // close() destroys the socket
    if (current?.kind === 'http') return answer(current.status, current.body ?? 'rollup_error')
    if (!hooks.includes(path)) return answer(404, 'no_service')
    if (req.method !== 'POST') return answer(405, 'invalid_method')
    const judged = judgePayload(String(req.headers['content-type'] ?? ''), body)
    if (judged.status !== 200) return answer(judged.status, judged.error, judged.reason)
    emulator.messages.push({ path, payload: judged.payload!, at: Date.now() })
    answer(200, 'ok')
  })
  const port = await listen(server)
  emulator.url = `http://127.0.0.1:${port}`
  return emulator
}
