// Mermaid's own parser, run on the ```mermaid blocks of a Markdown text.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const CHECKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mermaid-check.mjs')

export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((match) => match[1])
}

export function parseMermaid(diagrams: string[]): Promise<Array<{ ok: boolean; type?: string; error?: string }>> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [CHECKER], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mermaid check failed: ${stderr || error.message}`))
      else resolve(JSON.parse(stdout) as Array<{ ok: boolean; type?: string; error?: string }>)
    })
    child.stdin?.end(JSON.stringify(diagrams))
  })
}
