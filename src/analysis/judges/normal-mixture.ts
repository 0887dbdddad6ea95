// The two-sided normal-mixture boundary of Howard, Ramdas, McAuliffe & Sekhon (2021, "Time-uniform,
// nonparametric, nonasymptotic confidence sequences"), as confseq's uniform_boundaries.h writes it:
// for a sum S_t whose increments are (sub-)Gaussian with variance process V_t,
//     M_t = sqrt(ρ / (V_t + ρ)) · exp(S_t² / (2 (V_t + ρ)))
// is a nonnegative supermartingale (the Gaussian likelihood ratio mixed over a N(0, 1/ρ) prior), so
// P(∃t: |S_t| ≥ u(V_t)) ≤ α with u(V) = sqrt((V + ρ)(ln(1 + V/ρ) + 2 ln(1/α))), and 1/M_t is an
// always-valid p-value. ρ sets the intrinsic time where the boundary is tightest.

/** ln M_t for the sum `s` at intrinsic time `v`. */
export function logNormalMixture(s: number, v: number, rho: number): number {
  return 0.5 * Math.log(rho / (v + rho)) + (s * s) / (2 * (v + rho))
}

/** The boundary u(V): |S_t| crosses it at some t with probability ≤ α. */
export function normalMixtureBound(v: number, rho: number, alpha: number): number {
  return Math.sqrt((v + rho) * (Math.log(1 + v / rho) + 2 * Math.log(1 / alpha)))
}

/** confseq's best_rho: the ρ that makes the boundary tightest at intrinsic time `v`. */
export function bestRho(v: number, alpha: number): number {
  const l = Math.log(1 / alpha)
  return v / (2 * l + Math.log(1 + 2 * l))
}
