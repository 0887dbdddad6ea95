// Markdown building blocks. Everything that came from outside (names, queries, values, messages) is
// escaped: the job summary and comments render HTML, and a `|` would break a table.

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** Text safe inside a table cell: HTML escaped, Markdown specials neutralised, one line. */
export function cell(text: string): string {
  return escapeHtml(text)
    .replace(/\r?\n/g, ' ')
    .replace(/\|/g, '&#124;')
    .replace(/([\\`*_[\]~])/g, '\\$1')
}

/** Inline code that cannot be broken out of (HTML <code>, not backticks). */
export function code(text: string): string {
  return `<code>${escapeHtml(text).replace(/\r?\n/g, ' ').replace(/\|/g, '&#124;')}</code>`
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** Shortens text that came from outside, redacting the run's secrets before the cut. */
export { shorten as truncate } from '../secrets.js'
