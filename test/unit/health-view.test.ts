/** Proves the body of `GET /v1/health`: the contract's fields plus the sweep period, from the sweep's summary. */
import { describe, expect, it } from 'vitest';
import { healthView } from '../../lambdas/core/management';

describe('healthView', () => {
  it('reports the last sweep, the fleet counts and the sweep period', () => {
    // Prepare
    const summary = { lastSweepAt: Date.parse('2026-11-25T10:00:00.000Z'), counts: { new: 1, up: 2, down: 3, paused: 4 } };
    // Act
    const view = healthView(summary, 60);
    // Assess
    expect(view).toEqual({ ok: true, lastSweepAt: '2026-11-25T10:00:00.000Z', sweepEverySeconds: 60, devices: { new: 1, up: 2, down: 3, paused: 4 } });
  });

  it('answers null for what is not known yet: no sweep so far, no period configured', () => {
    // Prepare
    const noSummary = null;
    // Act
    const view = healthView(noSummary);
    // Assess
    expect(view).toEqual({ ok: true, lastSweepAt: null, sweepEverySeconds: null, devices: { new: 0, up: 0, down: 0, paused: 0 } });
  });
});
