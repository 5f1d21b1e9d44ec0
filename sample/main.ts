import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  const store = process.env.REDIS_URL ? 'RedisStore' : 'MemoryStore';
  console.log(`nest-sessions sample on http://localhost:${port} (pages at http://localhost:${port}/web), ${store}`);
}

void bootstrap();
