import autocannon from 'autocannon';

export interface MixedLoadOptions {
  /** Base URL of an app with `GET /read` and `POST /write` (body `{ v }`) on a session. */
  url: string;
  /** `name=value` session cookies; each request picks one at random. */
  cookies: string[];
  durationSec: number;
  connections: number;
  /** Share of requests that write, 0..1 (the rest read). */
  writeShare: number;
}

export interface MixedLoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/**
 * One bounded autocannon run of reads and writes over many sessions: each
 * request picks a session at random and writes with probability
 * `writeShare` (a counter value, so every write changes the session).
 */
export async function runMixedLoad(options: MixedLoadOptions): Promise<MixedLoadResult> {
  let n = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSec,
    timeout: 10,
    requests: [
      {
        setupRequest: (request) => {
          const cookie = options.cookies[Math.floor(Math.random() * options.cookies.length)]!;
          const writes = Math.random() < options.writeShare;
          return {
            ...request,
            method: writes ? 'POST' : 'GET',
            path: writes ? '/write' : '/read',
            headers: { ...request.headers, cookie, 'content-type': 'application/json' },
            body: writes ? JSON.stringify({ v: ++n }) : undefined,
          };
        },
      },
    ],
  });
  const requests = result.requests.total;
  return {
    requests,
    rps: requests / Math.max(result.duration, 0.001),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
