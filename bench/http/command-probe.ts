import { countCommands, type CommandProbe } from '../lib/redis-monitor.js';
import { callRoute } from './session-check.js';
import type { RouteName } from './payload.js';

export type { CommandProbe };

/** The Redis commands of `requests` sequential HTTP requests to one route (MONITOR, outside the timed runs). */
export function probeCommands(
  redisPort: number,
  base: string,
  route: RouteName,
  cookie: string | undefined,
  requests = 50,
): Promise<CommandProbe> {
  const withCookie = route === 'anon' || route === 'login' ? undefined : cookie;
  return countCommands(redisPort, requests, () => callRoute(base, route, withCookie));
}
