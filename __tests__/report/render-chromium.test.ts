// The committed samples in docs/, rendered as GitHub renders them (GFM, github-markdown-css, Mermaid
// drawing each ```mermaid block) in a real headless Chromium, light and dark: every chart must draw
// an SVG whose lines and bars a reader can see. The light screenshots are saved beside the samples
// (docs/sample-*.png) for readers of the repository. Skipped, saying so, where Debian's chromium is
// not installed; CI installs it (.ci/run).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Browser } from 'puppeteer-core'
import { ROOT } from '../../emulators/runner.js'
import { chromiumPath, diagramProblems, launch, openGitHubPage, type GitHubPage, type Theme } from '../support/github-render.js'
import { mermaidBlocks } from '../support/mermaid.js'

const DOCS = path.join(ROOT, 'docs')
const SAMPLES = readdirSync(DOCS).filter((file) => /^sample.*\.md$/.test(file))
const executable = chromiumPath()
if (!executable) console.warn('render-chromium: skipped — chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)')
const suite = executable ? describe : describe.skip

suite(`the samples in docs/ as GitHub shows them, in Chromium${executable ? '' : ' (skipped: chromium is not installed)'}`, () => {
  let browser: Browser
  let page: GitHubPage
  beforeAll(async () => {
    browser = await launch(executable!)
    page = await openGitHubPage(browser)
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('has samples to render', () => {
    expect(SAMPLES).toEqual(expect.arrayContaining(['sample-failed.md', 'sample-successful.md', 'sample-baseline.md']))
  })

  for (const sample of SAMPLES) {
    it(`${sample}: every Mermaid block draws an SVG with visible lines and bars, on white and on GitHub's dark background`, async () => {
      const markdown = await readFile(path.join(DOCS, sample), 'utf8')
      const blocks = mermaidBlocks(markdown).length
      expect(blocks).toBeGreaterThan(0)
      for (const theme of ['light', 'dark'] as Theme[]) {
        const screenshot = theme === 'light' ? path.join(DOCS, sample.replace(/\.md$/, '.png')) : undefined
        const rendered = await page.render(markdown, { theme, screenshot })
        expect(diagramProblems(rendered, theme, blocks)).toEqual([])
      }
    })
  }
})
