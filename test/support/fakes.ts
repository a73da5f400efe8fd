/** Small fakes for the core's ports: a clock tests move by hand, and an in-memory alert outbox. */
import type { Alert } from '../../lambdas/core/alerts';
import type { AlertPublisher, Clock } from '../../lambdas/core/ports';

export class FakeClock implements Clock {
  constructor(private current: number = Date.parse('2026-11-25T10:00:00.000Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/** Collects published alerts; `failNext(n)` makes the next n publish calls fail. */
export class RecordingPublisher implements AlertPublisher {
  readonly alerts: Alert[] = [];
  private failures = 0;

  failNext(calls: number): void {
    this.failures = calls;
  }

  async publish(alerts: readonly Alert[]) {
    if (this.failures > 0) {
      this.failures--;
      return { delivered: new Set<Alert>(), failures: alerts.map((alert) => ({ alert, error: 'simulated outage' })) };
    }
    this.alerts.push(...alerts);
    return { delivered: new Set(alerts), failures: [] };
  }

  /** Alerts of one type; with a device id, only that device's (tests that share a table see other devices' alerts too). */
  ofType<T extends Alert['type']>(type: T, deviceId?: string): Extract<Alert, { type: T }>[] {
    return this.alerts.filter(
      (a): a is Extract<Alert, { type: T }> => a.type === type && (deviceId === undefined || ('deviceId' in a && a.deviceId === deviceId)),
    );
  }
}
