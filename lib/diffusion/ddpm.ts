/**
 * The linear DDPM schedule every prior network is trained on (spgd-algorithm.md section 1):
 * `beta_t = linspace(1e-4, 0.02, 1000)`, `abar_t = prod_{s<=t} (1 - beta_s)`.
 * Tables are float64 (computed once).
 */
export const DDPM_STEPS = 1000;

export interface DdpmTables {
  betas: Float64Array;
  alphaBar: Float64Array;
}

let cached: DdpmTables | null = null;

export function ddpmTables(): DdpmTables {
  if (cached) return cached;
  const betas = new Float64Array(DDPM_STEPS);
  const alphaBar = new Float64Array(DDPM_STEPS);
  let prod = 1;
  for (let t = 0; t < DDPM_STEPS; t++) {
    betas[t] = 1e-4 + ((0.02 - 1e-4) * t) / (DDPM_STEPS - 1);
    prod *= 1 - betas[t];
    alphaBar[t] = prod;
  }
  cached = { betas, alphaBar };
  return cached;
}

/**
 * abar at a fractional timestep t in [0, 999]: linear interpolation of log(abar) between the
 * integer entries. This is the convention the default prior is trained with.
 */
export function alphaBarAt(t: number): number {
  const { alphaBar } = ddpmTables();
  if (!(t >= 0 && t <= DDPM_STEPS - 1)) throw new RangeError(`timestep ${t} outside [0, ${DDPM_STEPS - 1}]`);
  const lo = Math.floor(t);
  const hi = Math.min(lo + 1, DDPM_STEPS - 1);
  const f = t - lo;
  return Math.exp((1 - f) * Math.log(alphaBar[lo]) + f * Math.log(alphaBar[hi]));
}
