// GitHub checks request bodies against JSON schemas with the Ruby json_schema gem and answers
// 422 {"message":"Invalid request.\n\n<one line per error>"}. This is the subset of that validator the
// emulated endpoints need, in the gem's order (anyOf, enum, type, then properties, required, format,
// maxLength) and with its wording, e.g.
//   "name" wasn't supplied.            "head_sha", "name" weren't supplied.
//   For 'properties/body', 42 is not a string.
//   bogus is not a member of ["queued", "in_progress"].
//   Only 65535 characters are allowed; 70000 were supplied.
//   No subschema in "anyOf" matched.   (followed by each subschema's errors)

export interface Schema {
  type?: Array<'string' | 'object' | 'null' | 'integer' | 'boolean'>
  enum?: string[]
  properties?: Record<string, Schema>
  required?: string[]
  maxLength?: number
  format?: 'date-time'
  anyOf?: Schema[]
}

// json_schema's date-time pattern.
const DATE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[-+][0-9]{2}:[0-5][0-9])$/

/** Ruby's #inspect, which the gem uses to show a wrong-typed value. */
function inspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil'
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(inspect).join(', ')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} => ${inspect(v)}`).join(', ')}}`
  }
  return String(value)
}

/** Ruby's #to_s, which the gem uses in enum errors (a string shows without quotes). */
const toS = (value: unknown): string => (typeof value === 'string' ? value : inspect(value))

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (Number.isInteger(value)) return 'integer'
  return typeof value
}

/** "a string", "a string or null", as the gem's ErrorFormatter lists types. */
function typeList(types: string[]): string {
  return types.map((t) => (t === 'null' ? 'null' : `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`)).join(' or ')
}

export function schemaErrors(schema: Schema, data: unknown, pointer = ''): string[] {
  const errors: string[] = []
  if (schema.anyOf) {
    const sub = schema.anyOf.map((s, i) => schemaErrors(s, data, `${pointer}anyOf/${i}/`))
    if (sub.every((e) => e.length > 0)) errors.push('No subschema in "anyOf" matched.', ...sub.flat())
  }
  if (schema.enum && !schema.enum.includes(data as string)) {
    errors.push(`${toS(data)} is not a member of ${inspect(schema.enum)}.`)
  }
  if (schema.type && !schema.type.includes(typeOf(data) as never)) {
    errors.push(`For '${pointer.replace(/\/$/, '')}', ${inspect(data)} is not ${typeList(schema.type)}.`)
    return errors
  }
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const object = data as Record<string, unknown>
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in object) errors.push(...schemaErrors(sub, object[key], `${pointer}properties/${key}/`))
    }
    const missing = (schema.required ?? []).filter((key) => !(key in object)).sort()
    if (missing.length > 0) errors.push(`"${missing.join('", "')}" ${missing.length === 1 ? "wasn't" : "weren't"} supplied.`)
  }
  if (typeof data === 'string') {
    if (schema.format === 'date-time' && !DATE_TIME.test(data)) errors.push(`${data} is not a valid date-time.`)
    const length = [...data].length // Ruby counts characters, not UTF-16 units
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      errors.push(`Only ${schema.maxLength} characters are allowed; ${length} were supplied.`)
    }
  }
  return errors
}

// ---- the request schemas of the emulated endpoints (from GitHub's OpenAPI description) ----

const string: Schema = { type: ['string'] }
const nullableString: Schema = { type: ['string', 'null'] }
const dateTime: Schema = { type: ['string'], format: 'date-time' }
/** Output summary and text: "Maximum length: 65535 characters." */
export const CHECK_TEXT_MAX = 65535

export const CHECK_RUN_STATUSES = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending']
export const CHECK_RUN_CONCLUSIONS = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out']

function checkRunSchema(create: boolean): Schema {
  return {
    type: ['object'],
    properties: {
      ...(create ? { name: string, head_sha: string } : { name: string }),
      details_url: string,
      external_id: string,
      status: { enum: CHECK_RUN_STATUSES },
      started_at: dateTime,
      conclusion: { enum: CHECK_RUN_CONCLUSIONS },
      completed_at: dateTime,
      output: {
        type: ['object'],
        properties: {
          title: string,
          summary: { type: ['string'], maxLength: CHECK_TEXT_MAX },
          text: { type: ['string'], maxLength: CHECK_TEXT_MAX }
        },
        // Creating needs both; an update may send a new summary alone.
        required: create ? ['title', 'summary'] : ['summary']
      }
    },
    required: create ? ['name', 'head_sha'] : [],
    // "conclusion: Required if you provide completed_at or a status of completed."
    anyOf: [{ properties: { status: { enum: ['completed'] } }, required: ['conclusion'] }, { properties: { status: { enum: ['queued', 'in_progress'] } } }]
  }
}

export const CHECK_RUN_CREATE = checkRunSchema(true)
export const CHECK_RUN_UPDATE = checkRunSchema(false)
export const ISSUE_COMMENT: Schema = { type: ['object'], properties: { body: string }, required: ['body'] }
// The state's values are checked by the model, not the schema: a wrong one is "Validation Failed".
export const COMMIT_STATUS: Schema = {
  type: ['object'],
  properties: { state: string, target_url: nullableString, description: nullableString, context: string },
  required: ['state']
}
