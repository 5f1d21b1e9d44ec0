import { describe, expect, it } from '@jest/globals';
import { SessionDataException } from '../session.exceptions.js';
import { dataJson, keyJsonOf } from '../stores/known-json.js';
import { diffData, snapshotOf } from './session-data.js';

describe('diffData', () => {
  it('reports only the keys that changed, and removed keys', () => {
    const snapshot = snapshotOf({ a: 1, b: { c: 2 }, gone: true });
    const d = diffData({ a: 1, b: { c: 3 }, added: 'x' }, snapshot, 65_536);
    expect(d.changed).toBe(true);
    expect(d.set).toEqual({ b: { c: 3 }, added: 'x' });
    expect(d.unset).toEqual(['gone']);
  });

  it('sees no change when nothing changed, even for nested values', () => {
    const data = { a: [1, 2], b: { c: 'd' } };
    expect(diffData(structuredClone(data), snapshotOf(data), 65_536).changed).toBe(false);
  });

  it('#60 follows JSON for lossy values: undefined and functions drop the key, Map becomes {}, NaN null', () => {
    const d = diffData(
      { u: undefined, f: () => 1, m: new Map([[1, 2]]), n: Number.NaN, date: new Date(0) },
      new Map(),
      65_536,
    );
    expect(d.data).toEqual({ m: {}, n: null, date: '1970-01-01T00:00:00.000Z' });
  });

  it.each([
    ['a BigInt', { big: 10n }, /key "big": BigInt values are not JSON-serialisable/],
    [
      'a circular reference',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return { loop: o };
      })(),
      /key "loop": circular reference/,
    ],
    ['a reserved key', { save: 1 }, /key "save" is reserved/],
    ['__proto__ as an own key', JSON.parse('{"__proto__": 1}') as object, /key "__proto__" is reserved/],
  ])('refuses %s with a message naming the key, never the value', (_label, data, pattern) => {
    expect(() => diffData(data, new Map(), 65_536)).toThrow(SessionDataException);
    expect(() => diffData(data, new Map(), 65_536)).toThrow(pattern);
  });

  it('refuses data over maxBytes, counting multi-byte characters as bytes', () => {
    expect(() => diffData({ text: 'é'.repeat(600) }, new Map(), 1_000)).toThrow(/over maxBytes \(1000\)/);
    expect(diffData({ text: 'e'.repeat(600) }, new Map(), 1_000).changed).toBe(true);
  });

  it('hands its stores the JSON it computed, equal to what JSON.stringify makes of the stored data', () => {
    const snapshot = snapshotOf({ kept: { deep: [1, 'two'] }, gone: 1, same: 'x' });
    const source = {
      kept: { deep: [1, 'two'] },
      same: 'x',
      'quote"and\\slash': 'é\u2028🔑',
      date: new Date(0),
      arr: [undefined, () => 1, Number.NaN],
      nested: { a: { b: { c: null } } },
      f: () => 1,
    };
    const d = diffData(source, snapshot, 65_536);
    expect(keyJsonOf(d.data)).toBe(d.snapshot);
    expect(keyJsonOf(d.set)).toBe(d.snapshot);
    expect(dataJson(d.data)).toBe(JSON.stringify(d.data));
    expect(dataJson(d.set)).toBe(JSON.stringify(d.set));
    expect(Object.keys(d.set)).toEqual(['quote"and\\slash', 'date', 'arr', 'nested']);
    // Unchanged data is the caller's own objects (they may change later): nothing is registered.
    const same = diffData(
      { kept: { deep: [1, 'two'] }, same: 'x' },
      snapshotOf({ kept: { deep: [1, 'two'] }, same: 'x' }),
      65_536,
    );
    expect(same.changed).toBe(false);
    expect(keyJsonOf(same.data)).toBeUndefined();
    expect(dataJson({ a: 1, b: undefined, c: 'x' })).toBe('{"a":1,"c":"x"}');
    expect(dataJson({})).toBe('{}');
  });
});
