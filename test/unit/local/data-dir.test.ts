/**
 * Proves the data directory lock: one server per directory; a lock left by a dead process (a
 * SIGKILL, a crash) is taken over; releasing removes only our own lock.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir, prepareDataDir, type DataDirLayout } from '../../../lambdas/local/data-dir';

let root: string;
let layout: DataDirLayout;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'heartbeat-datadir-'));
  layout = prepareDataDir(join(root, 'data'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('takes the directory, and gives it back on release', () => {
    const release = lockDataDir(layout);
    expect(readFileSync(layout.lock, 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(layout.lock)).toBe(false);
  });

  it('refuses a directory a live process holds, naming the pid', () => {
    // Our parent is alive and is not us.
    writeFileSync(layout.lock, `${process.ppid}\n`);
    expect(() => lockDataDir(layout)).toThrow(`Another local server (pid ${process.ppid}) is using ${layout.root}; stop it, or pick another --data-dir.`);
  });

  it('takes over a lock whose process is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(layout.lock, `${gone}\n`);
    const release = lockDataDir(layout);
    expect(readFileSync(layout.lock, 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('does not remove a lock that another process has taken meanwhile', () => {
    const release = lockDataDir(layout);
    writeFileSync(layout.lock, '999999\n');
    release();
    expect(readFileSync(layout.lock, 'utf8').trim()).toBe('999999');
  });
});
