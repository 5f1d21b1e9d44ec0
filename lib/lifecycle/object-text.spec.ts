import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { entriesOfObjectText } from './object-text.js';
import { snapshotOf } from './session-data.js';

/** A random JSON value, strings full of the characters the scanner must not trip on. */
function randomValue(depth: number): unknown {
  const pick = randomBytes(1)[0]! % (depth > 3 ? 4 : 7);
  const text = (): string =>
    ['', '"', '\\', '{', '}', '[', ']', ',', ':', 'é', '🔑', '\u2028', '\n', 'a'][randomBytes(1)[0]! % 14]!;
  switch (pick) {
    case 0:
      return randomBytes(1)[0]! % 2 === 0;
    case 1:
      return (randomBytes(4).readInt32LE() / 7) * (randomBytes(1)[0]! % 2 ? 1e-300 : 1e300);
    case 2:
      return Array.from({ length: randomBytes(1)[0]! % 6 }, text).join('');
    case 3:
      return null;
    case 4:
    case 5:
      return Array.from({ length: randomBytes(1)[0]! % 4 }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: randomBytes(1)[0]! % 4 }, (_, i) => [`${text()}${i}${text()}`, randomValue(depth + 1)]),
      );
  }
}

describe('entriesOfObjectText', () => {
  it('splits what JSON.stringify writes into the per-key texts snapshotOf gives, for 2 000 random objects', () => {
    for (let n = 0; n < 2_000; n++) {
      const data = Object.fromEntries(
        Array.from({ length: randomBytes(1)[0]! % 6 }, (_, i) => [
          i % 3 === 0 ? String(i) : `k"\\${i},:{`,
          randomValue(0),
        ]),
      );
      const text = JSON.stringify(data);
      expect([...entriesOfObjectText(text)!]).toEqual([...snapshotOf(JSON.parse(text) as Record<string, unknown>)]);
    }
  });

  it('keeps the text order, and the last of a repeated key, as JSON.parse does', () => {
    expect([...entriesOfObjectText('{"b":1,"a":{"x":[1,"]"]}}')!]).toEqual([
      ['b', '1'],
      ['a', '{"x":[1,"]"]}'],
    ]);
    expect(entriesOfObjectText('{"a":1,"a":2}')!.get('a')).toBe('2');
    expect(entriesOfObjectText('{}')!.size).toBe(0);
  });

  it.each([
    '',
    '{',
    '[]',
    '{"a":1',
    '{"a" :1}',
    '{ "a":1}',
    '{"a":}',
    '{"a":{"b":1}',
    '{"a":"x}',
    '{"a":1}}',
    '{a:1}',
    '{"\\x":1}',
  ])('gives undefined for %j (the caller then parses)', (text) => {
    expect(entriesOfObjectText(text)).toBeUndefined();
  });
});
