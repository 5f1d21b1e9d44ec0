/**
 * RFC 6265 §5.1.4 path-match: is `requestPath` inside the cookie's `cookiePath`?
 * `/app` matches `/app` and `/app/x`, not `/application`. Only the path
 * counts: the query string is cut off first, so `/x?next=/app` is outside.
 */
export function pathMatches(url: string, cookiePath: string): boolean {
  if (cookiePath === '/') return true;
  const q = url.search(/[?#]/);
  const path = q === -1 ? url : url.slice(0, q);
  if (path === cookiePath) return true;
  if (!path.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || path[cookiePath.length] === '/';
}
