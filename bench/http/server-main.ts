/**
 * Entry of one server process (forked by the bench): builds the variant named
 * in argv[2], listens on a free port of 127.0.0.1, reports the port over IPC,
 * and closes the app on a 'stop' message, SIGTERM or when the parent goes.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { buildServer } from './servers/index.js';
import { variantById } from './variants.js';

const variant = variantById(process.argv[2] ?? '');
const { app, release } = await buildServer(variant);
await app.listen(0, '127.0.0.1');
const port = (app.getHttpServer().address() as AddressInfo).port;

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Never hang on the way out; exiting normally also writes a --cpu-prof profile.
  setTimeout(() => process.exit(1), 5_000).unref();
  try {
    await app.close();
    await release();
  } finally {
    process.exit(0);
  }
}

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stop') void stop();
});
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
process.send?.({ type: 'ready', port });
