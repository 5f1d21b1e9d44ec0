import type { Variant } from '../variants.js';
import type { BuiltServer } from './built-server.js';

/** Build the app of a variant; each kind lives in its own file, loaded only when used. */
export async function buildServer(variant: Variant): Promise<BuiltServer> {
  switch (variant.kind) {
    case 'ceiling':
      return (await import('./ceiling.server.js')).build(variant);
    case 'module':
      return (await import('./module.server.js')).build(variant);
    case 'express-session':
      return (await import('./express-session.server.js')).build(variant);
    case 'nestjs-session':
      return (await import('./nestjs-session.server.js')).build(variant);
    case 'fastify-session':
      return (await import('./fastify-session.server.js')).build(variant);
  }
}
