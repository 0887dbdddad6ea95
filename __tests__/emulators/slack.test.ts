// The emulated Slack incoming webhook answers as Slack does: `ok`, or the error string with its
// status, and it refuses blocks that break Block Kit's rules, saying which and why.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startSlack, type SlackEmulator } from '../../emulators/slack/server.js'

let slack: SlackEmulator
beforeAll(async () => {
  slack = await startSlack()
})
afterAll(async () => {
  await slack?.close()
})

async function post(body: string, options: { path?: string; contentType?: string } = {}): Promise<{ status: number; text: string; reason: string | null }> {
  const response = await fetch(options.path ? `${slack.url}${options.path}` : slack.hookUrl(), { method: 'POST', headers: { 'content-type': options.contentType ?? 'application/json' }, body })
  return { status: response.status, text: await response.text(), reason: response.headers.get('x-emulator-reason') }
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } })

describe('the emulated Slack incoming webhook', () => {
  it('posts a valid message and keeps it', async () => {
    const message = { text: 'fallback', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Failed', emoji: true } }, section('*bold*'), { type: 'divider' }] }
    expect(await post(JSON.stringify(message))).toMatchObject({ status: 200, text: 'ok' })
    expect(slack.messages.at(-1)?.payload).toEqual(message)
  })

  it('takes the form encoding with a JSON payload field too', async () => {
    expect(await post(new URLSearchParams({ payload: JSON.stringify({ text: 'hi' }) }).toString(), { contentType: 'application/x-www-form-urlencoded' })).toMatchObject({ status: 200, text: 'ok' })
  })

  it('answers 404 no_service for a path that is no hook', async () => {
    expect(await post('{"text":"x"}', { path: '/services/T0/B0/wrong' })).toMatchObject({ status: 404, text: 'no_service' })
  })

  it('answers 400 invalid_payload for a body that is not a JSON object, and no_text for a message without text or blocks', async () => {
    expect(await post('{not json')).toMatchObject({ status: 400, text: 'invalid_payload' })
    expect(await post('[1]')).toMatchObject({ status: 400, text: 'invalid_payload' })
    expect(await post('{"username":"x"}')).toMatchObject({ status: 400, text: 'no_text' })
  })

  it.each([
    ['an unknown block type', [{ type: 'image', image_url: 'https://x/y.png', alt_text: 'y' }], /unsupported block type "image"/],
    ['a header longer than 150', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], /blocks\/0\/text\/text: must be at most 150 characters, got 151/],
    ['a mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], /must be plain_text/],
    ['section text over 3000', [section('s'.repeat(3001))], /at most 3000/],
    ['11 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }], /fields: at most 10 items, got 11/],
    ['a field over 2000', [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }], /at most 2000/],
    ['an empty text', [section('')], /must not be empty/],
    ['a wrong text type', [{ type: 'section', text: { type: 'markdown', text: 'x' } }], /must be plain_text or mrkdwn/],
    ['emoji on mrkdwn', [{ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } }], /unknown field "emoji"/],
    ['a section with neither text nor fields', [{ type: 'section' }], /needs text or fields/],
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), /at most 50 items, got 51/],
    ['a button text over 75', [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, url: 'https://x' }] }], /at most 75/],
    ['a button url over 3000', [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b' }, url: `https://${'u'.repeat(3000)}` }] }], /url: must be at most 3000/],
    ['a repeated action_id', [{ type: 'actions', elements: [1, 2].map(() => ({ type: 'button', text: { type: 'plain_text', text: 'b' }, action_id: 'same' })) }], /used twice/],
    ['11 context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }], /at most 10 items/]
  ])('answers 400 invalid_blocks for %s, with the reason', async (_what, blocks, reason) => {
    const before = slack.messages.length
    const answer = await post(JSON.stringify({ text: 'fallback', blocks }))
    expect(answer).toMatchObject({ status: 400, text: 'invalid_blocks' })
    expect(answer.reason).toMatch(reason)
    expect(slack.messages.length).toBe(before)
    expect(slack.rejections.at(-1)).toMatchObject({ status: 400, error: 'invalid_blocks' })
  })

  it('fails on demand, then recovers', async () => {
    slack.setFault({ kind: 'http', status: 500 }, 1)
    expect(await post('{"text":"x"}')).toMatchObject({ status: 500, text: 'rollup_error' })
    expect(await post('{"text":"x"}')).toMatchObject({ status: 200, text: 'ok' })
  })
})
