// Runs inside the page (plain JavaScript, no build): GitHub's treatment of ```mermaid blocks — the
// code block replaced by the diagram Mermaid draws — and what each diagram drew, for the test to judge.
/* global mermaid */

/** Colour as [r, g, b, alpha] from a computed style value (`rgb(31, 119, 180)`, `rgba(0, 0, 0, 0)`, `none`). */
function rgba(value) {
  const match = /rgba?\(([^)]+)\)/.exec(value || '')
  if (!match) return undefined
  const parts = match[1].split(/[\s,/]+/).filter(Boolean).map(Number)
  return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1]
}

/** The marks that carry data: xychart's line and bar plots; in other diagrams, every stroked path. */
function marks(svg) {
  const plots = [...svg.querySelectorAll('g.plot [class^="line-plot-"] path, g.plot [class^="bar-plot-"] rect')]
  const elements = plots.length ? plots : [...svg.querySelectorAll('path')].filter((path) => getComputedStyle(path).stroke !== 'none')
  return elements.map((element) => {
    const style = getComputedStyle(element)
    const line = element.tagName.toLowerCase() === 'path'
    const box = element.getBBox()
    return {
      kind: line ? 'line' : 'bar',
      colour: rgba(line ? style.stroke : style.fill),
      opacity: Number(style.opacity) * Number(line ? style.strokeOpacity : style.fillOpacity),
      width: line ? parseFloat(style.strokeWidth) : box.width,
      // A line's drawn length; a bar's height (a zero-height bar draws nothing).
      length: line ? element.getTotalLength() : box.height
    }
  })
}

function drawn(container) {
  const svg = container.querySelector('svg')
  if (!svg) return { svg: false, syntaxError: /Syntax error/i.test(container.textContent || ''), marks: [] }
  const background = svg.querySelector('rect.background')
  return {
    svg: true,
    syntaxError: /Syntax error/i.test(svg.textContent || ''),
    type: svg.getAttribute('aria-roledescription') || '',
    background: background ? rgba(getComputedStyle(background).fill) : undefined,
    marks: marks(svg)
  }
}

/** Shows a rendered Markdown page in a theme: GitHub's stylesheet, page background and the HTML. */
window.showMarkdown = (html, css, background) => {
  document.getElementById('github-css').textContent = css
  document.body.style.background = background
  document.querySelector('article.markdown-body').innerHTML = html
}

window.renderDiagrams = async (theme) => {
  for (const code of document.querySelectorAll('pre > code.language-mermaid')) {
    const div = document.createElement('div')
    div.className = 'mermaid'
    div.textContent = code.textContent
    code.parentElement.replaceWith(div)
  }
  mermaid.initialize({ startOnLoad: false, theme })
  await mermaid.run({ querySelector: 'div.mermaid', suppressErrors: true })
  return {
    page: rgba(getComputedStyle(document.querySelector('.markdown-body')).backgroundColor),
    diagrams: [...document.querySelectorAll('div.mermaid')].map(drawn)
  }
}
