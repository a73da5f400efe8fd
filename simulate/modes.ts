/** How the simulated fleets are monitored: the deployment's defaults, then the opt-in rules. */
import { DEFAULT_SETTINGS } from '../lambdas/core/model';
import type { Mode } from './engine';
import { GAP_REGISTER_SIZE } from '../lambdas/core/adaptive-detection';

/** The suspicion threshold of adaptive mode (the default the catalog setting will have). */
const ADAPTIVE_PHI = 8;

/** Every mode the simulator compares; rules not in the core yet are left out (see README). */
export function modes(): Mode[] {
  return [
    {
      name: 'fixed',
      description: 'the defaults: deadline = last beat + interval + grace (grace = interval), page on the first timeout',
      settings: DEFAULT_SETTINGS,
      beatFields: {},
    },
    {
      name: 'adaptive',
      description: `the defaults, and detection "adaptive" with phi ${ADAPTIVE_PHI}: down once the silence reaches that suspicion level under the last ${GAP_REGISTER_SIZE} gaps (normal model), never later than the fixed deadline`,
      settings: DEFAULT_SETTINGS,
      beatFields: {},
      adaptivePhi: ADAPTIVE_PHI,
    },
  ];
}
