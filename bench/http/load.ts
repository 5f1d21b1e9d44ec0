import autocannon from 'autocannon';
import { ROUTE_METHOD, type RouteName } from './payload.js';

export interface LoadOptions {
  url: string;
  route: RouteName;
  /** `name=value` sent as Cookie, for the routes that use a session. */
  cookie?: string;
  durationSec: number;
  connections: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** One autocannon run against one route, bounded in time. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: `${options.url}/${options.route}`,
    method: ROUTE_METHOD[options.route],
    headers: options.cookie ? { cookie: options.cookie } : {},
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSec,
    timeout: 10,
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
