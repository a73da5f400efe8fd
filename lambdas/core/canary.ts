/**
 * The doctor's canary: a reserved device id that `heartbeat doctor` beats to prove the whole path
 * works. It is a real device record, but it is not part of the fleet: the sweep never alerts for it
 * (it goes silent right after each check) and leaves it out of the fleet counts.
 */

/** The reserved device id; a real device must not use it (its outages would never page). */
export const CANARY_DEVICE_ID = 'heartbeat-doctor-canary';

/** True for the doctor's canary, which never alerts and is never counted. */
export function isCanary(deviceId: string): boolean {
  return deviceId === CANARY_DEVICE_ID;
}
