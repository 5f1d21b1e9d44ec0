import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compare two strings in constant time. Both are hashed first, so neither the
 * content nor the length of the expected value leaks through timing.
 */
export function safeEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
