/** A seeded pseudo-random source, so every run of the simulator draws the same fleets. */

/** Draws from the distributions the scenarios need; all from one seeded stream. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Log-normal with the given median and shape `sigma` (network delays: mostly small, a long tail). */
  logNormal(median: number, sigma: number): number;
}

/** mulberry32: small, fast, and good enough for simulation (not for secrets). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    chance: (p) => next() < p,
    between: (min, max) => min + (max - min) * next(),
    logNormal: (median, sigma) => median * Math.exp(sigma * gaussian()),
  };
}

/** A seed for one device of one scenario, so devices do not share streams and a run can be split across workers. */
export function deviceSeed(scenarioSeed: number, device: number): number {
  return (Math.imul(scenarioSeed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(device + 1, 0xc2b2ae35)) >>> 0;
}
