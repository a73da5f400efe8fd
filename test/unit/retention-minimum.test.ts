/**
 * Defect 4 of issue 9, the settings half: retention is one minimum everywhere (local flags, the
 * Lambda environment, the construct), and never shorter than the longest deadline a device can have,
 * so a silent device always turns down (which removes its TTL) before the TTL could reclaim it.
 */
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { planBeat } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS, LIMITS } from '../../lambdas/core/model';
import { lambdaSettings } from '../../lambdas/handlers/lambda-config';
import { parseLocalSettings } from '../../lambdas/local/settings';
import { HeartbeatMonitor } from '../../lib/heartbeat-monitor';

const longestDeadlineDays = (LIMITS.maxIntervalSeconds + LIMITS.maxGraceSeconds) / 86_400;

function construct(retentionDays: number): () => void {
  return () => new HeartbeatMonitor(new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S'), 'M', { retentionDays });
}

describe('retention minimum', () => {
  it('retention shorter than the longest deadline is refused by local mode, the Lambda config and the construct alike', () => {
    // Prepare: the longest deadline is 2 days; anything up to it (plus a day for the sweep to act) is too short.
    const tooShort = Math.ceil(longestDeadlineDays);

    // Act / Assess
    expect(() => parseLocalSettings({ retentionDays: String(tooShort) }, {}, '/')).toThrow(/--retention-days must be a whole number from/);
    expect(() => parseLocalSettings({ retentionDays: '1' }, {}, '/')).toThrow(/--retention-days/);
    expect(() => lambdaSettings({ RETENTION_DAYS: String(tooShort) })).toThrow(/RETENTION_DAYS must be a whole number from/);
    expect(construct(tooShort)).toThrow(/retentionDays must be a whole number from/);
  });

  it('accepts the same smallest retention everywhere, and its TTL outlasts the longest deadline of a beat', () => {
    // Prepare
    const smallest = Math.ceil(longestDeadlineDays) + 1;

    // Act
    const local = parseLocalSettings({ retentionDays: String(smallest) }, {}, '/').monitor;
    const lambda = lambdaSettings({ RETENTION_DAYS: String(smallest) });
    const beat = planBeat('d', { interval: LIMITS.maxIntervalSeconds, grace: LIMITS.maxGraceSeconds }, 0, { ...DEFAULT_SETTINGS, retentionDays: smallest });

    // Assess
    expect(local.retentionDays).toBe(smallest);
    expect(lambda.retentionDays).toBe(smallest);
    expect(construct(smallest)).not.toThrow();
    expect(beat.expiresAtSeconds * 1000).toBeGreaterThan((LIMITS.maxIntervalSeconds + LIMITS.maxGraceSeconds) * 1000 + 86_400_000 - 1);
  });
});
