// npm run samples:render — screenshots of the committed samples as GitHub shows them (GFM,
// github-markdown-css, Mermaid drawing the charts) in headless Chromium: docs/sample-*.md →
// docs/sample-*.png. Run it after `npm run samples`; needs Debian's chromium (apt-get install chromium).
// The rendering test (__tests__/report/render-chromium.test.ts) checks the same pages.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { ROOT } from '../emulators/runner.js'
import { chromiumPath, diagramProblems, launch, openGitHubPage } from '../__tests__/support/github-render.js'
import { mermaidBlocks } from '../__tests__/support/mermaid.js'

const executable = chromiumPath()
if (!executable) {
  console.error('chromium is not installed: apt-get install -y --no-install-recommends chromium (or set CHROMIUM_PATH)')
  process.exit(1)
}
const docs = path.join(ROOT, 'docs')
const browser = await launch(executable)
let failed = false
try {
  const page = await openGitHubPage(browser)
  for (const file of (await readdir(docs)).filter((name) => /^sample.*\.md$/.test(name)).sort()) {
    const markdown = await readFile(path.join(docs, file), 'utf8')
    const screenshot = path.join(docs, file.replace(/\.md$/, '.png'))
    const problems = diagramProblems(await page.render(markdown, { theme: 'light', screenshot }), 'light', mermaidBlocks(markdown).length)
    console.log(`${path.relative(ROOT, screenshot)}${problems.length ? `: ${problems.join('; ')}` : ''}`)
    failed ||= problems.length > 0
  }
} finally {
  await browser.close()
}
process.exit(failed ? 1 : 0)
