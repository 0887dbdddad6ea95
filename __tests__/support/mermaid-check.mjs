// Parses Mermaid blocks with Mermaid's own parser (the mermaid package, in a DOM made by jsdom), in
// a child process so Jest's module sandbox stays out of the way. Reads JSON on stdin: an array of
// diagram texts; writes JSON on stdout: one { ok, type?, error? } per diagram.
import { JSDOM } from 'jsdom'

const dom = new JSDOM('<!doctype html><html><body></body></html>')
globalThis.window = dom.window
globalThis.document = dom.window.document
const { default: mermaid } = await import('mermaid')

let input = ''
for await (const chunk of process.stdin) input += chunk
const results = []
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text)
    results.push({ ok: true, type: parsed.diagramType })
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error).slice(0, 400) })
  }
}
process.stdout.write(JSON.stringify(results))
