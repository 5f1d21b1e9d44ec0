import { createServer, Socket, type Server } from 'node:net';

/**
 * A loopback TCP proxy a test controls, to make a link half-open: with
 * `blackhole()` every byte either way is read and dropped while both sockets
 * stay open (no FIN, no RST), as when a router or a NAT entry dies;
 * `forward()` restores the flow (bytes dropped meanwhile stay lost).
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  blackhole(): void;
  forward(): void;
  /** Close the listener and every connection through it. */
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
  let dropping = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = new Socket();
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.on('data', (chunk) => {
      if (!dropping) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!dropping) downstream.write(chunk);
    });
    upstream.connect(targetPort, host);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `redis://${host}:${port}`,
    blackhole: () => (dropping = true),
    forward: () => (dropping = false),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
