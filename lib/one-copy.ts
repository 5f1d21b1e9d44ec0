/**
 * Which copy of the package a process uses. Each build registers its public
 * values under one global key the first time it loads; a build that loads
 * later (the CommonJS one in an ESM app, or the reverse) finds them and uses
 * those instead of its own. The key carries the release line, so two
 * incompatible releases installed side by side stay apart, as any two
 * packages would.
 *
 * @internal
 */
export const RELEASE_LINE = '0.1';

const KEY = Symbol.for(`nest-sessions@${RELEASE_LINE}`);

type Registry = { [KEY]?: unknown };

/** @internal The public values of the first copy loaded in this process (this one if it is the first). */
export function firstLoadedCopy<T extends object>(own: T): T {
  const registry = globalThis as Registry;
  registry[KEY] ??= own;
  return registry[KEY] as T;
}
