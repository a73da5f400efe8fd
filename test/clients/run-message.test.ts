/**
 * The message `heartbeat run` sends: the end of a command's output, at most 256 characters counted
 * as the service counts them (code points), cut only between characters.
 */
import fc from 'fast-check';
import type { StringDecoder } from 'node:string_decoder';
import { describe, expect, it } from 'vitest';
import { MESSAGE_LIMIT, OutputTail, messageFromOutput } from '../../bin/cli/run';

/** One-unit, multi-byte and two-unit (surrogate pair) characters, and whitespace to trim. */
const characters = fc.constantFrom('a', 'Z', ' ', '\n', '\t', 'é', '温', '😀', '𝄞', '👍', '\u{1F3FD}');

const wellFormed = (text: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('messageFromOutput', () => {
  it('keeps short output whole, without the surrounding whitespace', () => {
    // Act
    const message = messageFromOutput('\n  done: 3 files\n\n');
    // Assess
    expect(message).toBe('done: 3 files');
  });

  it('keeps the last 256 code points of long output, never half a surrogate pair', () => {
    // Prepare: an odd number of one-unit characters first, so a cut by UTF-16 units would land inside a pair
    const text = `a${'😀'.repeat(300)}`;
    // Act
    const message = messageFromOutput(text);
    // Assess
    expect(message).toBe('😀'.repeat(256));
    expect(message.length).toBe(512);
  });

  it('equals the obvious definition by code points, and is always a well-formed suffix of the output (any text)', () => {
    fc.assert(
      fc.property(fc.string({ unit: characters, maxLength: 700, size: 'max' }), (text) => {
        // Act
        const message = messageFromOutput(text);
        // Assess
        expect(message).toBe([...text.trimEnd()].slice(-MESSAGE_LIMIT).join('').trimStart());
        expect([...message].length).toBeLessThanOrEqual(MESSAGE_LIMIT);
        expect(text.trimEnd().endsWith(message)).toBe(true);
        expect(wellFormed(message)).toBe(true);
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});

describe('OutputTail', () => {
  it('joins a character split between two reads, and keeps only the end of a long output', () => {
    // Prepare
    const tail = new OutputTail();
    const decoder: StringDecoder = tail.decoder();
    const bytes = Buffer.from(`${'log line\n'.repeat(10_000)}last: 温度 ok`, 'utf8');
    const cut = bytes.length - 6; // inside the three bytes of 度
    // Act
    tail.push(decoder.write(bytes.subarray(0, cut)));
    tail.push(decoder.write(bytes.subarray(cut)));
    tail.push(decoder.end());
    // Assess
    expect(tail.message().endsWith('last: 温度 ok')).toBe(true);
    expect([...tail.message()]).toHaveLength(MESSAGE_LIMIT);
  });
});
