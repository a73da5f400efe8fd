/**
 * The CLI checks its flags before it sends anything or runs anything: each mistake is one line and
 * exit 1. The URL points at a port nothing listens on, so a flag that slipped through would end in
 * "Cannot reach" instead of the line each case expects.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort, runCli, tempDir } from '../e2e/support/local-process';

/** Runs a CLI command against a URL where nothing answers (given before the flags, so never after a `--`). */
async function refused(command: readonly string[], flags: readonly string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
  const port = await closedPort();
  return runCli([...command, '--url', `http://127.0.0.1:${port}`, ...flags]);
}

describe('heartbeat maintenance add', () => {
  it.each([
    [['--for', '2h'], 'Give either --devices <id,id,...> or --group <group>.'],
    [['--devices', 'a,b', '--group', 'plant-a', '--for', '2h'], 'Give either --devices <id,id,...> or --group <group>.'],
    [['--devices', 'a'], 'Give either --until <time> or --for <length>.'],
    [['--devices', 'a', '--for', '2 hours'], '--for must be a length such as 90m, 2h or 3d, got "2 hours".'],
    [['--devices', 'a', '--until', 'tonight'], '--until must be an ISO-8601 time such as 2026-11-25T22:00:00Z, got "tonight".'],
  ])('refuses %j in one line, before any request', async (flags, line) => {
    // Act
    const run = await refused(['maintenance', 'add'], flags);
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: ${line}\n`);
    expect(run.stdout).toBe('');
  });
});

describe('heartbeat beat', () => {
  it.each([
    [['--every', '0'], '--every must be at least 1 second.'],
    [['--interval', '1.5'], '--interval must be a whole number, got "1.5".'],
    [['--meta', 'nope'], `--meta must be a JSON object, e.g. '{"battery": 0.9}'.`],
  ])('refuses %j in one line, before any request', async (flags, line) => {
    // Act
    const run = await refused(['beat', 'cli-input'], flags);
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: ${line}\n`);
  });
});

describe('heartbeat run', () => {
  it('refuses a bad flag in one line before the command runs', async () => {
    // Prepare
    const dir = tempDir('heartbeat-run-input');
    const marker = join(dir, 'ran');
    // Act
    const run = await refused(['run', 'cli-input'], ['--interval', 'soon', '--', 'touch', marker]);
    const ran = existsSync(marker);
    rmSync(dir, { recursive: true, force: true });
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: --interval must be a whole number of at least 0, got "soon".\n');
    expect(ran).toBe(false);
  });
});
