import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Platform } from '../variants.js';

/** A Nest app of `module` on the platform, with Nest's logger off (logging is not what we measure). */
export async function createApp(module: Type, platform: Platform): Promise<INestApplication> {
  if (platform === 'fastify') {
    return NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false });
  }
  return NestFactory.create(module, { logger: false });
}
