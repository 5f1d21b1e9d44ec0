import { describe, expect, it } from '@jest/globals';
import { decodeRecord, MAX_RECORD_CHARS } from './record-codec.js';

const meta = { createdAt: 1, lastActiveAt: 1, idleExpiresAt: 0, absoluteExpiresAt: 0, maxAge: 0 };

describe('record codec', () => {
  it('round-trips a record', () => {
    const record = { v: 1 as const, meta, data: { a: 1, b: ['x'], c: { d: null } } };
    expect(decodeRecord(JSON.stringify(record))).toEqual(record);
  });

  it.each([
    ['truncated JSON', '{"v":1,"meta":'],
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '42'],
    ['a string', '"x"'],
    ['no meta', JSON.stringify({ v: 1, data: {} })],
    ['meta with a string timestamp', JSON.stringify({ v: 1, meta: { ...meta, createdAt: 'yesterday' }, data: {} })],
    ['data that is an array', JSON.stringify({ v: 1, meta, data: [] })],
    ['an unknown version', JSON.stringify({ v: 2, meta, data: {} })],
  ])('#35 #63 treats %s as no session', (_label, json) => {
    expect(decodeRecord(json)).toBeNull();
  });

  it('#87 refuses an oversized value before parsing it', () => {
    const huge = JSON.stringify({ v: 1, meta, data: { blob: 'x'.repeat(MAX_RECORD_CHARS) } });
    expect(decodeRecord(huge)).toBeNull();
  });

  it('#61 drops __proto__, constructor and prototype keys at every depth', () => {
    const json =
      '{"v":1,"meta":' +
      JSON.stringify(meta) +
      ',"data":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"nested":{"__proto__":{"x":1},"ok":2}}}';
    const record = decodeRecord(json)!;
    expect(Object.keys(record.data)).toEqual(['nested']);
    expect(record.data.nested).toEqual({ ok: 2 });
    expect((record.data as { isAdmin?: boolean }).isAdmin).toBeUndefined();
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });
});
