/** The batch body rules of `POST /v1/heartbeats`: the whole-request shape, and each entry's checks in the contract's order. */
import { describe, expect, it } from 'vitest';
import { BATCH_LIMITS, checkBatchEntry, parseBatch } from '../../lambdas/core/batch';
import { deviceToken } from '../../lambdas/core/tokens';

const SECRETS = { current: 'batch-secret-for-tests-0123456789' };
const entry = (deviceId: string, fields: Record<string, unknown> = {}) => ({ deviceId, token: deviceToken(SECRETS.current, deviceId), ...fields });

describe('parseBatch', () => {
  it('returns the entries of a body with 1 to 100 beats', () => {
    // Prepare
    const body = { beats: [entry('a'), entry('b')] };
    // Act
    const parsed = parseBatch(body);
    // Assess
    expect(parsed).toEqual({ ok: true, value: body.beats });
  });

  it.each([
    ['an array', [], /JSON object/],
    ['no beats', {}, /"beats" must be an array/],
    ['an empty list', { beats: [] }, /1 to 100/],
    ['101 entries', { beats: Array.from({ length: BATCH_LIMITS.maxEntries + 1 }, () => ({})) }, /got 101/],
    ['an unknown top-level field', { beats: [entry('a')], gateway: 'g1' }, /"gateway"/],
  ])('refuses %s as a whole', (_label, body, message) => {
    // Act
    const parsed = parseBatch(body);
    // Assess
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe('checkBatchEntry', () => {
  it('accepts a good entry and keeps only the beat fields', () => {
    // Act
    const checked = checkBatchEntry(entry('sensor-1', { status: 'fail', message: 'hot' }), SECRETS);
    // Assess
    expect(checked).toEqual({ ok: true, deviceId: 'sensor-1', body: { status: 'fail', message: 'hot' } });
  });

  it.each([
    ['not an object', 'sensor-1', null, 'invalid_body'],
    ['a bad device id', { deviceId: 'bad id!', token: 'x', interval: 1 }, 'bad id!', 'invalid_device_id'],
    ['a missing device id', { token: 'x' }, null, 'invalid_device_id'],
    ['a token of another device', { deviceId: 's-1', token: deviceToken(SECRETS.current, 's-2') }, 's-1', 'unauthorized'],
    ['no token, and a bad body too', { deviceId: 's-1', interval: 1 }, 's-1', 'unauthorized'],
    ['an interval out of range', entry('s-1', { interval: 1 }), 's-1', 'invalid_body'],
    ['an unknown field', entry('s-1', { colour: 'red' }), 's-1', 'invalid_body'],
  ])('answers %s with its own code', (_label, input, deviceId, code) => {
    // Act
    const checked = checkBatchEntry(input, SECRETS);
    // Assess
    expect(checked).toMatchObject({ ok: false, deviceId, code });
  });

  it('names the unknown field in the message', () => {
    // Act
    const checked = checkBatchEntry(entry('s-1', { colour: 'red' }), SECRETS);
    // Assess
    expect(checked.ok ? '' : checked.message).toMatch(/"colour"/);
  });
});
