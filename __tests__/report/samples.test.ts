// The committed samples in docs/ are what a reader sees without running anything: they must hold a
// whole report, and their charts must be ones Mermaid draws.
import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { ROOT } from '../../emulators/runner.js'
import { mermaidBlocks, parseMermaid } from '../support/mermaid.js'

const sample = (name: string) => readFile(path.join(ROOT, 'docs', `sample-${name}.md`), 'utf8')

describe('rendered samples in docs/', () => {
  it('show a failed canary: the abort at the 50% step, the reasons, the next steps, the charts', async () => {
    const text = await sample('failed')
    expect(text).toContain('## ❌ Failed — rollout vote aborted, canary traffic 50% → 0%: error-rate 2.68 &gt; 2 at step 6/9')
    for (const section of ['### Why', '### Next', '### Analysis', '### Steps', '### Charts', '⏭️ skipped']) expect(text).toContain(section)
    const blocks = mermaidBlocks(text)
    expect(blocks).toHaveLength(2)
    expect((await parseMermaid(blocks)).every((result) => result.ok)).toBe(true)
    expect(text.length).toBeLessThan(65_536)
  })

  it('show a successful canary promoted through every step', async () => {
    const text = await sample('successful')
    expect(text).toContain('## ✅ Successful — rollout vote promoted through all 9 steps')
    const blocks = mermaidBlocks(text)
    expect(blocks.length).toBeGreaterThanOrEqual(1)
    expect((await parseMermaid(blocks)).every((result) => result.ok)).toBe(true)
  })
})
