/** How the simulated fleets are monitored: the deployment's defaults, then the opt-in rules. */
import { GAP_REGISTER_SIZE } from '../lambdas/core/adaptive-detection';
import { DEFAULT_SETTINGS } from '../lambdas/core/model';
import type { Mode } from './engine';

/** The rules of the `rules` mode, set per device as `PUT /v1/devices/{id}` would. */
const FAIL_THRESHOLD = 3;
const RECOVER_AFTER_SECONDS = 600;

/** Every mode the simulator compares. */
export function modes(): Mode[] {
  return [
    {
      name: 'fixed',
      description: 'the defaults: deadline = last beat + interval + grace (grace = interval), page on the first timeout or fail',
      settings: DEFAULT_SETTINGS,
      beatFields: {},
    },
    {
      name: 'rules',
      description: `fixed, with failThreshold ${FAIL_THRESHOLD} and recoverAfter ${RECOVER_AFTER_SECONDS} s per device`,
      settings: DEFAULT_SETTINGS,
      beatFields: {},
      configure: (record) => ({ ...record, failThreshold: FAIL_THRESHOLD, recoverAfterSeconds: RECOVER_AFTER_SECONDS }),
    },
    {
      name: 'adaptive',
      description: `the defaults, and detection "adaptive" per device (adaptivePhi ${DEFAULT_SETTINGS.adaptivePhi}, adaptivePauseSeconds ${DEFAULT_SETTINGS.adaptivePauseSeconds}): down once the silence, less the pause, reaches that suspicion level under the last ${GAP_REGISTER_SIZE} gaps (normal model); while a late or lost beat is among them, at the fixed deadline; never later than the fixed deadline`,
      settings: DEFAULT_SETTINGS,
      beatFields: {},
      configure: (record) => ({ ...record, detection: 'adaptive' }),
    },
  ];
}
