import type { INestApplication } from '@nestjs/common';

/** A server ready to listen, and what to release after `app.close()`. */
export interface BuiltServer {
  app: INestApplication;
  release(): Promise<void>;
}

export const nothingToRelease = async (): Promise<void> => {};
