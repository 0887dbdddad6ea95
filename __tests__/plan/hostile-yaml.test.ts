// Plan files that are not what a plan should be: an alias bomb, a huge or deeply nested file, a
// scalar, binary garbage, another encoding. Each is one message at its file and line — never a
// crash, a stack trace, or a document read as something else.
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { run } from '../../src/main.js'
import { loadPlanFiles, PLAN_LIMITS } from '../../src/plan/load.js'
import { readTemplates } from '../../src/plan/templates.js'
import { memoryRunner } from '../support/memory-runner.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function workspace(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-hostile-'))
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content)
  return dir
}

async function problems(files: Record<string, string | Uint8Array>, plan = Object.keys(files)): Promise<string[]> {
  const dir = await workspace(files)
  const issues = new IssueList()
  readTemplates(await loadPlanFiles(plan, dir, issues), issues)
  return issues.issues.map(formatIssue)
}

const template = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: error-rate
spec:
  metrics:
    - name: error-rate
      successCondition: result[0] < 0.01
      provider:
        prometheus: {address: 'http://prom:9090', query: up}
`

/** Nine levels of nine aliases each: 9^9 strings once expanded. */
function billionLaughs(): string {
  const lines = ['apiVersion: argoproj.io/v1alpha1', 'kind: AnalysisTemplate', 'metadata: {name: lol}', 'spec:', '  args:', '    - name: a', '      value: &a lol']
  for (let level = 1; level < 10; level++) {
    const name = String.fromCharCode(97 + level)
    const previous = String.fromCharCode(96 + level)
    lines.push(`    - name: ${name}`, `      value: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`)
  }
  return `${lines.join('\n')}\n  metrics: []\n`
}

describe('hostile and broken plan files', () => {
  it('reports an alias bomb at the file and line of its aliases', async () => {
    expect(await problems({ 'bomb.yaml': billionLaughs() })).toEqual(['bomb.yaml:9: too many aliases (resource exhaustion?): a plan document may expand its aliases only a little'])
  })

  it('still reads the few aliases people use to share a value', async () => {
    const shared = template.replace("query: up}", "query: &q up}\n    - name: again\n      successCondition: result[0] < 0.01\n      provider:\n        prometheus: {address: 'http://prom:9090', query: *q}")
    expect(await problems({ 'shared.yaml': shared })).toEqual([])
  })

  it('reports an alias that makes a document contain itself', async () => {
    expect(await problems({ 'cycle.yaml': template.replace('metadata:', 'loop: &x [*x]\nmetadata:') })).toEqual([
      'cycle.yaml:3: an alias refers to a node that contains it, which makes an endless document'
    ])
  })

  it('refuses a file larger than the limit without reading it', async () => {
    const big = `${template}# ${'x'.repeat(PLAN_LIMITS.fileBytes)}\n`
    expect(await problems({ 'big.yaml': big })).toEqual([
      'big.yaml:1: is 1.0 MiB; a plan file may hold at most 1 MiB: name only the files holding the Rollout and its templates'
    ])
  })

  it('refuses a plan input that adds up to more than the limit', async () => {
    const filler = `${template}# ${'x'.repeat(PLAN_LIMITS.fileBytes - template.length - 10)}\n`
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`part${i}.yaml`, filler.replace('name: error-rate\nspec', `name: t${i}\nspec`)]))
    expect(await problems(files)).toEqual(['input "plan": names more than 4 MiB of YAML (reached at part4.yaml): name only the files holding the Rollout and its templates'])
  })

  it('says what a document is when it is a scalar or a list', async () => {
    expect(await problems({ 'scalar.yaml': `${template}---\njust some text\n---\n- a\n- b\n` })).toEqual([
      'scalar.yaml:12: is text, not a Kubernetes document (a mapping with apiVersion, kind and metadata)',
      'scalar.yaml:14: is a list, not a Kubernetes document (a mapping with apiVersion, kind and metadata)'
    ])
  })

  it('reports binary garbage as a file that is not UTF-8 text', async () => {
    const garbage = Uint8Array.from({ length: 512 }, (_, i) => (i * 151 + 7) % 256)
    expect(await problems({ 'garbage.yaml': garbage })).toEqual([expect.stringMatching(/^garbage\.yaml:\d+: is not UTF-8 text \(is it a binary file\?\); a plan file must be YAML saved as UTF-8$/)])
  })

  it('names the line of the first byte that is not UTF-8 (a Latin-1 file)', async () => {
    const [head, tail] = template.split('spec:\n')
    // "Jérôme" as Latin-1 bytes, on line 5
    const latin1 = Buffer.concat([Buffer.from(`${head}  annotations: {owner: "`), Buffer.from([0x4a, 0xe9, 0x72, 0xf4, 0x6d, 0x65]), Buffer.from(`"}\nspec:\n${tail}`)])
    expect(await problems({ 'latin1.yaml': latin1 })).toEqual(['latin1.yaml:5: is not UTF-8 text (is it a binary file?); a plan file must be YAML saved as UTF-8'])
  })

  it('names a control character YAML does not allow, at its line', async () => {
    expect(await problems({ 'nul.yaml': template.replace('query: up', 'query: "up\u0000"') })).toEqual([
      'nul.yaml:10: holds the control character U+0000, which YAML does not allow (is it a binary file?)'
    ])
  })

  it('names a UTF-16 file, and reads a UTF-8 file with a byte-order mark', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(template, 'utf16le')])
    expect(await problems({ 'utf16.yaml': utf16, 'bom.yaml': `\ufeff${template.replace('error-rate\nspec', 'with-bom\nspec')}` })).toEqual([
      'utf16.yaml:1: is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8, as kubectl reads it'
    ])
  })

  it('reports duplicate keys at the second one', async () => {
    expect(await problems({ 'dup.yaml': template.replace('      successCondition:', '      count: 1\n      count: 2\n      successCondition:') })).toEqual([
      'dup.yaml:9: YAML error: duplicate key "count" (also at line 8); the second would silently replace the first'
    ])
  })

  it('finds a duplicate among 60 000 keys in seconds, not minutes', async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: 1`).join('\n')
    const started = Date.now()
    expect(await problems({ 'many.yaml': `kind: ConfigMap\ndata:\n${keys}\n  k5: 2\n` })).toEqual([
      'many.yaml:60003: YAML error: duplicate key "k5" (also at line 8); the second would silently replace the first'
    ])
    // the parser's own check took three and a half minutes on this file (every key against every other)
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  const blockNesting = (depth: number) => `kind: AnalysisTemplate\nmetadata: {name: deep}\nspec:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`
  it.each([
    ['flow lists 10 000', () => `kind: AnalysisTemplate\nmetadata: {name: deep}\nspec: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    ['block lists 10 000', () => `kind: AnalysisTemplate\nmetadata: {name: deep}\nspec:\n  ${'- '.repeat(10_000)}1\n`],
    // 10 000 indented levels take 48 MiB, refused for their size before they are parsed (below)
    ['mappings 1 000', () => blockNesting(1000)]
  ])('reports %s levels deep as a problem, not a crash', async (_, nested) => {
    const found = await problems({ 'deep.yaml': nested() })
    expect(found).toEqual([expect.stringMatching(/^deep\.yaml:\d+: nests more than 100 levels deep \(resource exhaustion\?\)$/)])
  })

  it('refuses 10 000 indented levels for their size', async () => {
    expect(await problems({ 'deep.yaml': blockNesting(10_000) })).toEqual([expect.stringMatching(/^deep\.yaml:1: is 47\.7 MiB; a plan file may hold at most 1 MiB/)])
  })

  it('reports nesting past the limit that the parser still reads, at the line where it passes it', async () => {
    const text = `kind: AnalysisTemplate\nmetadata: {name: deep}\nspec:\n${Array.from({ length: 150 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`
    expect(await problems({ 'deep.yaml': text })).toEqual(['deep.yaml:102: nests more than 100 levels deep (resource exhaustion?)'])
  })

  it('reads the good files of a plan and reports the broken ones, all in one run', async () => {
    const found = await problems({ 'good.yaml': template, 'bomb.yaml': billionLaughs(), 'scalar.yaml': 'text\n' }, ['good.yaml', 'bomb.yaml', 'scalar.yaml'])
    expect(found).toEqual([expect.stringMatching(/^bomb\.yaml:9: too many aliases/), expect.stringMatching(/^scalar\.yaml:1: is text/)])
  })
})

describe('the action with a hostile plan', () => {
  it('reports an alias bomb like any other configuration error: outputs, summary, no stack trace', async () => {
    const dir = await workspace({ 'bomb.yaml': billionLaughs() })
    const runner = memoryRunner({ command: 'analyze', plan: path.join(dir, 'bomb.yaml'), 'github-token': '' })
    const temp = process.env.RUNNER_TEMP
    process.env.RUNNER_TEMP = dir
    try {
      await run(runner)
    } finally {
      if (temp === undefined) delete process.env.RUNNER_TEMP
      else process.env.RUNNER_TEMP = temp
    }
    const line = `${path.join(dir, 'bomb.yaml')}:9: too many aliases (resource exhaustion?): a plan document may expand its aliases only a little`
    expect(runner.lines).toContain(`error: ${line}`)
    expect(runner.outputs.verdict).toBe('Error')
    expect(runner.summary).toContain('too many aliases')
    expect(runner.failed).toMatch(/^canary-gate: Error — the configuration has errors/)
    expect(runner.lines.join('\n')).not.toMatch(/\n\s+at |canary-gate failed/)
  })
})
