/**
 * The device store of the simulator: one device's record in memory, with the compare-and-set
 * writes of the DynamoDB store (lambdas/adapters/dynamodb/device-store.ts) as plain conditions on
 * that record. Only what the sweep's outbox calls is here; the beat path applies `applyBeat` directly.
 * Keep these in step with the DynamoDB store: the integration tests prove that one, not this one.
 */
import { failRunReached, type AlertLease, type DeviceRecord } from '../lambdas/core/model';
import type { ConditionalResult, DeviceStore, SettleOutcome } from '../lambdas/core/ports';

const unused = (name: string) => () => {
  throw new Error(`the simulator's store does not ${name}`);
};

/** One device's record, changed the way the DynamoDB store's conditional writes change it. */
export class SimDeviceStore implements DeviceStore {
  /** The record as stored now; the engine sets it after each beat. */
  record: DeviceRecord | null = null;

  async markDown(_deviceId: string, now: number, lease: AlertLease, downSince?: number, silentSince?: number): Promise<ConditionalResult> {
    const r = this.record;
    if (r === null || r.state !== 'up' || r.deadline === null || r.paused || r.downSince !== null || failRunReached(r)) return null;
    // Past the deadline, or (an adaptive device judged early) no beat since the sweep read it.
    if (!(r.deadline < now) && !(silentSince !== undefined && r.lastSeen === silentSince)) return null;
    // A timeout's outage starts at the deadline (or the later one an ended maintenance window set).
    // That later deadline is the one the device was held to: it keeps it (an adaptive one judged early keeps its own).
    const deadline = downSince !== undefined && silentSince === undefined ? downSince : r.deadline;
    this.record = { ...r, state: 'down', deadline, downSince: downSince ?? r.deadline, downReason: 'timeout', downAlerted: false, remindersSent: 0, lease, recoveredAt: null };
    return this.record;
  }

  async claimFailRun(_deviceId: string, failingSince: number, now: number, lease: AlertLease, ended = false, downSince = failingSince): Promise<ConditionalResult> {
    const r = this.record;
    if (r === null || r.downSince !== null || r.paused || (r.lease !== null && !(r.lease.until < now))) return null;
    const recorded = { ...r, downSince, downReason: 'fail' as const, downAlerted: false, remindersSent: 0, lease };
    if (ended) {
      if (r.endedFailRunSince !== failingSince) return null;
      this.record = { ...recorded, endedFailRunSince: null };
    } else {
      if (r.failingSince !== failingSince || !failRunReached(r)) return null;
      // A run of fails is an outage from its first fail; the run is handed over to the outage.
      this.record = { ...recorded, state: 'down', recoveredAt: null, failsLeft: null, failingSince: null, endedFailRunSince: null };
    }
    return this.record;
  }

  async markDownAgain(_deviceId: string, downSince: number, now: number, lease: AlertLease): Promise<ConditionalResult> {
    const r = this.record;
    if (r === null || r.downSince !== downSince || r.state !== 'up' || r.deadline === null || !(r.deadline < now) || r.paused) return null;
    if (r.lease !== null && !(r.lease.until < now)) return null;
    // The recovery was never announced: the outage goes on.
    this.record = { ...r, state: 'down', lease, recoveredAt: null };
    return this.record;
  }

  async claimAlerts(_deviceId: string, downSince: number, now: number, lease: AlertLease): Promise<ConditionalResult> {
    const r = this.record;
    if (r === null || r.downSince !== downSince || r.paused || (r.lease !== null && !(r.lease.until < now))) return null;
    this.record = { ...r, lease };
    return this.record;
  }

  async settleAlerts(
    _deviceId: string,
    downSince: number,
    owner: string,
    outcome: { downAlerted: boolean; closed: boolean; remindersSent?: number },
  ): Promise<SettleOutcome> {
    const r = this.record;
    if (r === null || r.lease?.owner !== owner || r.downSince !== downSince) return 'lease-lost';
    if (outcome.closed) {
      // A run of fails that reached its threshold meanwhile reads as down again: the next pass records it.
      this.record = { ...r, downSince: null, downReason: null, downAlerted: false, remindersSent: 0, lease: null, endedFailRunSince: null };
      return failRunReached(r) ? 'reopened' : 'closed';
    }
    this.record = { ...r, downAlerted: r.downAlerted || outcome.downAlerted, remindersSent: outcome.remindersSent ?? r.remindersSent, lease: null };
    return 'recorded';
  }

  /** The outbox reads a device whose close found its next outage already open. */
  async getDevice(): Promise<DeviceRecord | null> {
    return this.record;
  }

  async forgetOwedCloses(): Promise<void> {
    // The simulator keeps no history (NO_OUTAGE_HISTORY never fails), so nothing is ever owed.
  }

  recordBeat = unused('record beats (the engine applies applyBeat itself)');
  scanSegment = unused('scan');
  configureDevice = unused('configure devices');
  deleteDevice = unused('delete devices');
  listDevices = unused('list devices');
  writeSummary = unused('write summaries');
  readSummary = unused('read summaries');
}
