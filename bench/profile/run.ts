import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from '../lib/cleanup.js';
import { runLoad } from '../http/load.js';
import { startServer } from '../http/server-process.js';
import { loginAndCheck } from '../http/session-check.js';
import { variantById } from '../http/variants.js';
import { ROUTE_METHOD, type RouteName } from '../http/payload.js';
import { diffProfiles, summarizeProfile, type ProfileSummary } from './analyze.js';

export interface ProfileOptions {
  /** Where the .cpuprofile files go (emptied first). */
  dir: string;
  /** Repository root, to shorten paths. */
  root: string;
  durationSec: number;
  connections: number;
  log: (line: string) => void;
}

export interface ProfileResult extends ProfileSummary {
  variant: string;
  route: RouteName;
  requests: number;
  file: string;
}

/**
 * `node --cpu-prof` on one server while autocannon drives one route (with a
 * logged-in cookie when the variant has sessions). Only the samples of the
 * timed run count: the boot and the warm-up are cut off by time.
 */
export async function profileOne(
  variantId: string,
  options: ProfileOptions,
  route: RouteName = 'read',
): Promise<ProfileResult> {
  const variant = variantById(variantId);
  const dir = join(options.dir, `${variantId}-${route}`);
  mkdirSync(dir, { recursive: true });
  const server = await startServer(variant, {
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${route}.cpuprofile`, '--cpu-prof-interval=250'],
  });
  const unregister = onCleanup(() => server.stop());
  let requests = 0;
  let fromUs = 0;
  let toUs = 0;
  try {
    const cookie = await loginAndCheck(server.url, variant.kind !== 'ceiling');
    const load = {
      url: server.url,
      route,
      cookie: route === 'read' || route === 'write' ? cookie : undefined,
      connections: options.connections,
    };
    await runLoad({ ...load, durationSec: 1 }); // JIT warm-up
    fromUs = Number(process.hrtime.bigint() / 1000n);
    requests = (await runLoad({ ...load, durationSec: options.durationSec })).requests;
    toUs = Number(process.hrtime.bigint() / 1000n);
    options.log(`profiled ${requests} ${ROUTE_METHOD[route]} /${route} on ${variant.id}`);
  } finally {
    await server.stop(); // a normal exit writes the profile
    unregister();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const path = join(dir, file);
  return {
    variant: variant.id,
    route,
    requests,
    file: path,
    ...summarizeProfile(path, options.root, requests, { fromUs, toUs }),
  };
}

export interface ReadPathProfile {
  module: ProfileResult;
  ceiling: ProfileResult;
  /** What the module adds per request over the no-session app, by function and by origin. */
  added: ReturnType<typeof diffProfiles>;
}

/** The read path of the MemoryStore Express variant, and of the no-session Express app to compare. */
export async function profileReadPath(options: ProfileOptions): Promise<ReadPathProfile> {
  rmSync(options.dir, { recursive: true, force: true });
  const module = await profileOne('express-module-memory', options);
  const ceiling = await profileOne('express-ceiling', options);
  const added = diffProfiles(module, ceiling, 25);
  delete module.all;
  delete ceiling.all;
  return { module, ceiling, added };
}
