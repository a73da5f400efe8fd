/**
 * The repository stands on its own: no tracked file names a path of the machine it was written on
 * (absolute paths under work, root, home/<user> or Users/<user>), and no link or reference leads out of the
 * checkout (to a steering folder beside it, or a relative Markdown link climbing above the root).
 * Readers who clone the repository have neither.
 *
 * The patterns below are written with character classes (`[w]ork`) so that this file does not
 * match itself.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** An absolute path of a machine: not when it follows a host, a word or a dot (URLs, `./x/root/`). */
const MACHINE_PATH = /(?<![\w.~:/@-])\/(?:[w]ork|[r]oot|[h]ome\/[^/\s'"`)]+|[U]sers\/[^/\s'"`)]+)\//g;

/** References to files that live outside the repository (the steering folder beside a checkout). */
const OUTSIDE_REFERENCE = /(?:\.\.\/)?\b[s]hared\/[A-Z][A-Z_-]*\.md\b|\.\.\/[s]hared\b|\b[C]ONTRACT\.md\b/g;

/** A Markdown link or image target: `](target)`. */
const MARKDOWN_LINK = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file !== '');
}

/** Text of a tracked file, or null for binary files (a NUL byte) and files deleted in the work tree. */
function textOf(file: string): string | null {
  const path = join(ROOT, file);
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  if (bytes.includes(0)) return null;
  return bytes.toString('utf8');
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Absolute machine paths in one file's text. */
function machinePaths(file: string, text: string): Finding[] {
  return [...text.matchAll(MACHINE_PATH)].map((m) => ({ file, line: lineAt(text, m.index), text: m[0] }));
}

/** References to the steering folder outside the checkout. */
function outsideReferences(file: string, text: string): Finding[] {
  return [...text.matchAll(OUTSIDE_REFERENCE)].map((m) => ({ file, line: lineAt(text, m.index), text: m[0] }));
}

/**
 * Relative Markdown links whose target is not inside the repository: climbing above the root, or
 * naming a file that `tracked` does not hold. URLs, anchors and mail links are not files.
 */
function brokenRelativeLinks(file: string, text: string, tracked: ReadonlySet<string>): Finding[] {
  const findings: Finding[] = [];
  for (const m of text.matchAll(MARKDOWN_LINK)) {
    const target = (m[1] as string).split('#')[0] as string;
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const resolved = normalize(join(dirname(file), decodeURI(target))).split(sep).join('/').replace(/\/$/, '');
    const outside = resolved === '..' || resolved.startsWith('../') || target.startsWith('/');
    const known = tracked.has(resolved) || [...tracked].some((path) => path.startsWith(`${resolved}/`));
    if (outside || !known) findings.push({ file, line: lineAt(text, m.index), text: m[0] });
  }
  return findings;
}

const show = (findings: readonly Finding[]) => findings.map((f) => `${f.file}:${f.line}: ${f.text}`);

describe('the detectors', () => {
  it('find machine paths, and leave URLs, API paths and relative paths alone', () => {
    // Prepare
    const bad = ['see /' + 'work/main/x', 'cd /' + 'root/.cache', "'/" + "home/alice/project'", '(/' + 'Users/bob/dev/)'];
    const good = ['https://example.com/' + 'work/x', 'POST /v1/heartbeats/x', '~/heartbeat-monitor/.heartbeat', './' + 'root/x', 'a/' + 'home/b/c', '/tmp/x'];
    // Act
    const found = bad.map((text) => machinePaths('f', text).length);
    const notFound = good.map((text) => machinePaths('f', text).length);
    // Assess
    expect(found).toEqual([1, 1, 1, 1]);
    expect(notFound).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('find references to the steering folder', () => {
    // Prepare
    const text = ['[c](' + '../' + 'sha' + 'red/X.md)', 'from sha' + 'red/RECIPES.md', 'see CON' + 'TRACT.md', 'docs/api.md'].join('\n');
    // Act
    const found = outsideReferences('f', text);
    // Assess
    expect(found.map((f) => f.line)).toEqual([1, 2, 3]);
  });

  it('find Markdown links that leave the repository or name no tracked file', () => {
    // Prepare
    const tracked = new Set(['README.md', 'docs/api.md', 'bench/targets.svg']);
    const text = [
      '[ok](docs/api.md#errors)',
      '[ok dir](docs/)',
      '![ok](bench/targets.svg)',
      '[web](https://example.com/x)',
      '[anchor](#cost)',
      '[up](' + '../' + 'elsewhere.md)',
      '[missing](docs/nope.md)',
      '[absolute](/etc/passwd)',
    ].join('\n');
    // Act
    const found = brokenRelativeLinks('README.md', text, tracked);
    // Assess
    expect(found.map((f) => f.line)).toEqual([6, 7, 8]);
  });
});

describe('tracked files', () => {
  const files = trackedFiles();
  const texts = files.map((file) => [file, textOf(file)] as const).filter((entry): entry is readonly [string, string] => entry[1] !== null);

  it('are found by git ls-files', () => {
    // Assess: a run outside a git checkout would otherwise check nothing.
    expect(files).toContain('README.md');
    expect(texts.length).toBeGreaterThan(50);
  });

  it('name no absolute path of a machine', () => {
    // Act
    const findings = texts.flatMap(([file, text]) => machinePaths(file, text));
    // Assess
    expect(show(findings)).toEqual([]);
  });

  it('refer to nothing outside the repository', () => {
    // Act
    const findings = texts.flatMap(([file, text]) => outsideReferences(file, text));
    // Assess
    expect(show(findings)).toEqual([]);
  });

  it('link, in Markdown, only to files the repository holds', () => {
    // Prepare
    const tracked = new Set(files);
    // Act
    const findings = texts.filter(([file]) => file.endsWith('.md')).flatMap(([file, text]) => brokenRelativeLinks(file, text, tracked));
    // Assess
    expect(show(findings)).toEqual([]);
  });
});
