// Argo names ReplicaSets and tracks step changes by hashes: fnv-32a over the object, printed in decimal
// and mapped digit by digit onto Kubernetes' "safe" alphabet (k8s.io/apimachinery rand.SafeEncodeString).
// Argo hashes the Go struct; we hash canonical JSON (sorted keys), so two manifests that differ only in
// key order get the same hash, as two equal Go structs do.

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

export function fnv32a(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** rand.SafeEncodeString: every character becomes one of 27 letters and digits without vowels. */
function safeEncode(text: string): string {
  return [...text].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('')
}

/**
 * The hash Argo puts in `rollouts-pod-template-hash`, status.currentPodHash and ReplicaSet names. The
 * decimal is zero-padded to 10 digits so the hash is always 10 characters (Argo's are 9 or 10).
 */
export function argoHash(value: unknown): string {
  return safeEncode(String(fnv32a(canonicalJson(value ?? {}))).padStart(10, '0'))
}

/** Random suffix for generateName and pod names, from the same alphabet the API server uses. */
export function randomSuffix(length = 5): string {
  let out = ''
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)]
  return out
}
