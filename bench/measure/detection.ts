/**
 * Detection latency in local mode: the real server sweeping every `sweepEvery` seconds (the stack's default); 50 devices with a 5 s
 * interval and no grace beat every second, each stopping at its own random time. For each device:
 * time from its deadline (as the server answered its last beat) to the moment its `device.down`
 * line reached the server's standard output. Storm aggregation is off so each device has its line.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SETTINGS } from '../../lambdas/core/settings-catalog';
import { deviceToken } from '../../lambdas/core/tokens';
import type { BenchBasics } from '../support/context';
import { deviceId } from '../support/fleet';
import { startLocalServer } from '../support/local-server';
import { progress } from '../support/progress';
import { median, p99, round } from '../support/stats';

const log = progress('detection');

export const DETECTION_DEVICES = 50;
/** The stack's default sweep period: what a deployment detects with. */
export const DETECTION_SWEEP_SECONDS = SETTINGS.sweepEverySeconds.default;
const INTERVAL_SECONDS = 5;
const BEAT_EVERY_MS = 1000;
/** Stop times are spread over this window after the first beat. */
const STOP_WINDOW_MS = 10_000;

export interface DetectionResult {
  readonly devices: number;
  readonly sweepSeconds: number;
  readonly p99LateSeconds: number;
  readonly medianLateSeconds: number;
  readonly maxLateSeconds: number;
  /** The same from the server's own `detectedAt` in alerts.jsonl (no pipe or polling in it). */
  readonly p99DetectedAtLateSeconds: number;
  readonly target: number;
}

/** A small deterministic generator (mulberry32), so runs stop devices at the same offsets. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function measureDetection(ctx: BenchBasics): Promise<DetectionResult> {
  const dataDir = await ctx.scratch('detection');
  const server = await startLocalServer({ dataDir, sweepSeconds: DETECTION_SWEEP_SECONDS, flags: ['--storm-threshold', '0'] });
  log(`local server ${server.url} ready in ${server.startSeconds.toFixed(1)} s, sweeping every ${DETECTION_SWEEP_SECONDS} s`);
  // performance.now() and Date.now() on one scale: deadlines come as wall-clock times.
  const epochOffset = Date.now() - performance.now();
  const downAt = new Map<string, number>();
  server.onLine((line, at) => {
    const incident = /^ALERT device\.down .*\[incident (.+):\d{4}-\d\d-\d\dT[^\]]*\]$/.exec(line);
    if (incident?.[1] && !downAt.has(incident[1])) downAt.set(incident[1], at + epochOffset);
  });
  try {
    const next = random(20261125);
    const devices = Array.from({ length: DETECTION_DEVICES }, (_, i) => deviceId('detect', i));
    const deadlines = new Map<string, number>();
    const beat = async (id: string, first: boolean) => {
      const response = await fetch(`${server.url}/v1/heartbeats/${id}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${deviceToken(server.signingSecret, id)}`,
          ...(first ? { 'content-type': 'application/json' } : {}),
        },
        ...(first ? { body: JSON.stringify({ interval: INTERVAL_SECONDS, grace: 0 }) } : {}),
      });
      const answer = (await response.json()) as { deadline?: string };
      if (response.status !== 200 || !answer.deadline) throw new Error(`beat for ${id} answered ${response.status}`);
      deadlines.set(id, Date.parse(answer.deadline));
    };
    const plan = devices.map(() => ({ stopAfter: next() * STOP_WINDOW_MS, phase: next() * BEAT_EVERY_MS }));
    const start = performance.now();
    await Promise.all(
      devices.map(async (id, index) => {
        const { stopAfter, phase } = plan[index] as { stopAfter: number; phase: number };
        // Beat at once, then every second (each device at its own phase), until this device's stop time.
        await beat(id, true);
        await new Promise((resolve) => setTimeout(resolve, phase));
        while (performance.now() - start < stopAfter) {
          await beat(id, false);
          await new Promise((resolve) => setTimeout(resolve, BEAT_EVERY_MS));
        }
      }),
    );
    log(`${DETECTION_DEVICES} devices stopped beating over ${(STOP_WINDOW_MS / 1000).toFixed(0)} s; waiting for their device.down lines ...`);
    const lastDeadline = Math.max(...deadlines.values());
    const waitUntil = lastDeadline + (DETECTION_SWEEP_SECONDS + 10) * 1000;
    while (downAt.size < DETECTION_DEVICES && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 100));
    if (downAt.size < DETECTION_DEVICES) throw new Error(`only ${downAt.size} of ${DETECTION_DEVICES} devices were reported down`);

    const late = devices.map((id) => ((downAt.get(id) as number) - (deadlines.get(id) as number)) / 1000);
    const alertLines = (await readFile(join(dataDir, 'alerts.jsonl'), 'utf8')).trim().split('\n');
    const detectedLate: number[] = [];
    for (const line of alertLines) {
      const alert = JSON.parse(line) as { type: string; deviceId?: string; detectedAt?: string };
      if (alert.type !== 'device.down' || !alert.deviceId || !alert.detectedAt) continue;
      const deadline = deadlines.get(alert.deviceId);
      if (deadline !== undefined) detectedLate.push((Date.parse(alert.detectedAt) - deadline) / 1000);
    }
    const result: DetectionResult = {
      devices: DETECTION_DEVICES,
      sweepSeconds: DETECTION_SWEEP_SECONDS,
      p99LateSeconds: round(p99(late), 3),
      medianLateSeconds: round(median(late), 3),
      maxLateSeconds: round(Math.max(...late), 3),
      p99DetectedAtLateSeconds: round(p99(detectedLate), 3),
      target: DETECTION_SWEEP_SECONDS + 2,
    };
    log(
      `deadline -> device.down line: median ${result.medianLateSeconds} s, p99 ${result.p99LateSeconds} s, max ${result.maxLateSeconds} s ` +
        `(server detectedAt p99 ${result.p99DetectedAtLateSeconds} s); target <= ${result.target} s`,
    );
    return result;
  } finally {
    const stopped = await server.stop();
    log(`server stopped ${Math.round(stopped.exitedWithinMs)} ms after SIGTERM`);
  }
}
