/**
 * Keeps README's description of the public interface (the HeartbeatMonitor construct's props and
 * public properties) in step with the code: a prop added or removed without the README fails here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (relative: string) => readFileSync(fileURLToPath(new URL(`../../${relative}`, import.meta.url)), 'utf8');

/** The names declared `readonly name?:` / `public readonly name:` inside one block of the source. */
function declaredNames(source: string, blockStart: string, pattern: RegExp): string[] {
  const start = source.indexOf(blockStart);
  if (start < 0) throw new Error(`"${blockStart}" not found in lib/heartbeat-monitor.ts`);
  const end = source.indexOf('\n}', start);
  return [...source.slice(start, end).matchAll(pattern)].map((m) => m[1] as string).sort();
}

/** The README section about the construct, up to the next heading of the same level. */
function constructSection(readme: string): string {
  const start = readme.indexOf('### The construct: the public interface');
  if (start < 0) throw new Error('README has no "### The construct: the public interface" section');
  const end = readme.indexOf('\n### ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README: the HeartbeatMonitor construct', () => {
  const source = read('lib/heartbeat-monitor.ts');
  const section = constructSection(read('README.md'));

  it('has one props-table row per prop of HeartbeatMonitorProps, and no other', () => {
    // Prepare
    const props = declaredNames(source, 'export interface HeartbeatMonitorProps', /^\s+readonly (\w+)\??:/gm);
    // Act
    const rows = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1] as string).sort();
    // Assess
    expect(props.length).toBeGreaterThan(5);
    expect(rows, 'document every construct prop in README (### The construct: the public interface)').toEqual(props);
  });

  it('names every public property of the construct', () => {
    // Prepare
    const properties = declaredNames(source, 'export class HeartbeatMonitor extends Construct', /^\s+public readonly (\w+)\??:/gm);
    // Act
    const line = /Public properties: ([^\n]+(?:\n[^\n]+)*?)\.\n/.exec(section)?.[1] ?? '';
    const named = [...line.matchAll(/`(\w+)`/g)].map((m) => m[1] as string).sort();
    // Assess
    expect(properties.length).toBeGreaterThan(5);
    expect(named, 'list every public property of HeartbeatMonitor in README').toEqual(properties);
  });
});
