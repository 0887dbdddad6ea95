// JSON shapes shared by the emulator and the event payloads. Ids come from hashes of names, so a
// payload built without an emulator names the same repository and users as the emulator does.
import { createHash } from 'node:crypto'

export const PUBLIC_API = 'https://api.github.com'
export const WEB = 'https://github.com'
/** github-actions[bot]'s real account id. */
export const BOT_ID = 41898282

export type AccountType = 'Bot' | 'User' | 'Organization'

function digest(seed: string): Buffer {
  return createHash('sha1').update(seed).digest()
}

/** A stable id in [base, base + span) for a name. */
export function stableNumber(seed: string, base = 10_000_000, span = 90_000_000): number {
  return base + (digest(seed).readUInt32BE(0) % span)
}

/** A 40-hex commit sha that stands for `seed` (a base branch, a `before`, …). */
export function fakeSha(seed: string): string {
  return digest(seed).toString('hex')
}

/** GitHub's legacy global node id: base64 of "0<len>:<Type><id>" (e.g. MDM6Qm90NDE4OTgyODI= for the bot). */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64')
}

/** GitHub's timestamps: ISO 8601 to the second, in UTC. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

export function accountId(login: string): number {
  return login === 'github-actions[bot]' ? BOT_ID : stableNumber(`account:${login}`)
}

export function userJson(api: string, login: string, type: AccountType): Record<string, unknown> {
  const id = accountId(login)
  return {
    login,
    id,
    node_id: nodeId(type, id),
    avatar_url: type === 'Bot' ? 'https://avatars.githubusercontent.com/in/15368?v=4' : `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: `${api}/users/${encodeURIComponent(login)}`,
    html_url: type === 'Bot' ? `${WEB}/apps/${login.replace(/\[bot\]$/, '')}` : `${WEB}/${login}`,
    type,
    site_admin: false
  }
}

export function repoId(fullName: string): number {
  return stableNumber(`repo:${fullName.toLowerCase()}`, 100_000_000, 800_000_000)
}

export function repositoryJson(api: string, fullName: string, fork = false): Record<string, unknown> {
  const [owner, name] = fullName.split('/')
  const id = repoId(fullName)
  return {
    id,
    node_id: nodeId('Repository', id),
    name,
    full_name: fullName,
    private: false,
    owner: userJson(api, owner, fork ? 'User' : 'Organization'),
    html_url: `${WEB}/${fullName}`,
    description: null,
    fork,
    url: `${api}/repos/${fullName}`,
    default_branch: 'main',
    visibility: 'public'
  }
}
