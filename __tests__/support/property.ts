// One seed for every property-based test: CANARY_GATE_PROPERTY_SEED when set (to replay a failure),
// otherwise a fixed default so CI runs are repeatable. fast-check prints the seed and the path of a
// failing case in its report; this says where it came from.
const DEFAULT_SEED = 20261201

export function propertySeed(): number {
  const raw = process.env.CANARY_GATE_PROPERTY_SEED
  if (raw === undefined || raw === '') return DEFAULT_SEED
  const seed = Number(raw)
  if (!Number.isInteger(seed)) throw new Error(`CANARY_GATE_PROPERTY_SEED must be an integer, got "${raw}"`)
  return seed
}
