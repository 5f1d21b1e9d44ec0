// A plain CommonJS consumer, no TypeScript in between: require() must find
// nest-sessions' CommonJS entry and its public API.
const assert = require('node:assert');
const { SessionModule, SessionService, MemoryStore, Session } = require('nest-sessions');

assert.strictEqual(typeof SessionModule.forRoot, 'function');
assert.strictEqual(typeof SessionService, 'function');
assert.strictEqual(typeof Session, 'function');
assert.strictEqual(typeof MemoryStore.prototype.get, 'function');
console.log('require(nest-sessions) ok');
