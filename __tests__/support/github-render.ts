// Markdown as GitHub shows it: GFM to HTML (marked), styled with github-markdown-css, and each
// ```mermaid block drawn by Mermaid itself in the page, in a real headless Chromium (Debian's
// `chromium`, driven by puppeteer-core). Used by the rendering test and scripts/render-samples.ts.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { marked } from 'marked'
import puppeteer, { type Browser } from 'puppeteer-core'
import { ROOT } from '../../emulators/runner.js'
import { contrast, hexColour, type Rgba } from './contrast.js'

const PAGE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'github-page.js')
const MERMAID = path.join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js')
const CSS = (theme: Theme): string => path.join(ROOT, 'node_modules', 'github-markdown-css', `github-markdown-${theme}.css`)

/** GitHub's page backgrounds, light and dark. */
export const PAGE_BACKGROUND: Record<Theme, string> = { light: '#ffffff', dark: '#0d1117' }

export type Theme = 'light' | 'dark'
export type { Rgba }

export interface Mark {
  kind: 'line' | 'bar'
  colour?: Rgba
  opacity: number
  width: number
  length: number
}

export interface Diagram {
  svg: boolean
  syntaxError: boolean
  type?: string
  /** The chart's own background, when it paints one. */
  background?: Rgba
  marks: Mark[]
}

export interface RenderedPage {
  page?: Rgba
  diagrams: Diagram[]
}

/** Debian's chromium, or CHROMIUM_PATH; undefined when neither is installed. */
export function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file): file is string => !!file && existsSync(file))
}

export function launch(executablePath: string): Promise<Browser> {
  // --no-sandbox: CI and the developers' machines run as root, where Chromium's sandbox refuses to start.
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'] })
}

export interface GitHubPage {
  /** Renders Markdown as GitHub does, draws its diagrams, optionally saves a full-page screenshot. */
  render(markdown: string, options: { theme: Theme; screenshot?: string }): Promise<RenderedPage>
  close(): Promise<void>
}

/**
 * One page for every render: loading Mermaid (3 MB of script) takes seconds, so it is loaded once
 * and each Markdown text replaces the last.
 */
export async function openGitHubPage(browser: Browser): Promise<GitHubPage> {
  const page = await browser.newPage()
  await page.setViewport({ width: 1012, height: 800 })
  // github-markdown-css's own recipe for a page like GitHub's.
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style id="github-css"></style><style>
body { margin: 0; }
.markdown-body { box-sizing: border-box; min-width: 200px; max-width: 980px; margin: 0 auto; padding: 45px; }
</style></head><body><article class="markdown-body"></article></body></html>`)
  await page.addScriptTag({ path: MERMAID })
  await page.addScriptTag({ path: PAGE_SCRIPT })
  const css: Partial<Record<Theme, string>> = {}
  return {
    async render(markdown, options) {
      const html = await marked.parse(markdown, { gfm: true })
      css[options.theme] ??= await readFile(CSS(options.theme), 'utf8')
      await page.evaluate(`window.showMarkdown(${[html, css[options.theme], PAGE_BACKGROUND[options.theme]].map((text) => JSON.stringify(text)).join(', ')})`)
      const rendered = (await page.evaluate(`window.renderDiagrams(${JSON.stringify(options.theme === 'dark' ? 'dark' : 'default')})`)) as RenderedPage
      if (options.screenshot) await page.screenshot({ path: options.screenshot as `${string}.png`, fullPage: true })
      return rendered
    },
    close: () => page.close()
  }
}

/** What is wrong with a rendered page's diagrams, in words; empty when every one drew visible marks. */
export function diagramProblems(rendered: RenderedPage, theme: Theme, expected: number): string[] {
  const problems: string[] = []
  if (rendered.diagrams.length !== expected) problems.push(`${rendered.diagrams.length} diagrams drawn for ${expected} mermaid blocks`)
  rendered.diagrams.forEach((diagram, i) => {
    const which = `diagram ${i + 1} (${theme})`
    if (!diagram.svg) problems.push(`${which}: no SVG`)
    if (diagram.syntaxError) problems.push(`${which}: Mermaid drew "Syntax error"`)
    if (diagram.svg && !diagram.marks.some((mark) => mark.length > 0)) problems.push(`${which}: no line or bar drawn`)
    const background = diagram.background && diagram.background[3] > 0 ? diagram.background : (rendered.page ?? hexColour(PAGE_BACKGROUND[theme]))
    diagram.marks.forEach((mark, j) => {
      const what = `${which}, ${mark.kind} ${j + 1}`
      if (!mark.colour || mark.colour[3] * mark.opacity < 0.5) problems.push(`${what}: transparent (${JSON.stringify(mark.colour)}, opacity ${mark.opacity})`)
      else if (contrast(mark.colour, background) < 3) {
        problems.push(`${what}: rgb(${mark.colour.slice(0, 3).join(', ')}) has contrast ${contrast(mark.colour, background).toFixed(2)} against the background rgb(${background.slice(0, 3).join(', ')})`)
      }
      // A bar of value 0 rightly has no height; a line always has a length.
      if ((mark.kind === 'line' && !(mark.length > 0)) || !(mark.width > 0)) problems.push(`${what}: draws nothing (length ${mark.length}, width ${mark.width})`)
    })
  })
  return problems
}
