import type { RedisClientLike } from './redis-client.js';
import { CONVERT_V1, runScript, type RedisScript } from './redis-scripts.js';

/** What a `foreign` handler answers when it made room and the script should run again (a set). */
export const REWRITE = Symbol('rewrite');

/** A patch or touch of something that is not a session: it is not there. */
export const notThere = async (): Promise<unknown> => [0];

export const isWrongType = (error: unknown): boolean => error instanceof Error && error.message.startsWith('WRONGTYPE');

/**
 * Run a script on a session key. WRONGTYPE means a hash is there: a v1
 * session is converted in place (CONVERT_V1) and the script runs again;
 * anything else gets `foreign()`, whose answer is the script's, unless it is
 * REWRITE (it made room: the script runs again).
 */
export async function runOnSession(
  client: RedisClientLike,
  s: RedisScript,
  keys: string[],
  args: (string | number)[],
  foreign: () => Promise<unknown>,
): Promise<unknown> {
  try {
    return await runScript(client, s, keys, args);
  } catch (error) {
    if (!isWrongType(error)) throw error;
  }
  if ((await runScript(client, CONVERT_V1, [keys[0]!], [])) !== 1) {
    const answer = await foreign();
    if (answer !== REWRITE) return answer;
  }
  return runScript(client, s, keys, args);
}
