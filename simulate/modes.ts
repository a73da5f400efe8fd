/** How the simulated fleets are monitored: the deployment's defaults, then the opt-in rules. */
import { DEFAULT_SETTINGS } from '../lambdas/core/model';
import type { Mode } from './engine';

/** Every mode the simulator compares; rules not in the core yet are left out (see README). */
export function modes(): Mode[] {
  return [
    {
      name: 'fixed',
      description: 'the defaults: deadline = last beat + interval + grace (grace = interval), page on the first timeout',
      settings: DEFAULT_SETTINGS,
      beatFields: {},
    },
  ];
}
