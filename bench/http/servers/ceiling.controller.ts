import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { USER_ID } from '../payload.js';

/** The four routes with no session at all: the ceiling every variant is compared with. */
@Controller()
export class CeilingController {
  @Post('login')
  @HttpCode(200)
  login(): { ok: true } {
    return { ok: true };
  }

  @Get('read')
  read(): { userId: string } {
    return { userId: USER_ID };
  }

  @Post('write')
  @HttpCode(200)
  write(): { counter: number } {
    return { counter: 1 };
  }

  @Get('anon')
  anon(): { ok: true } {
    return { ok: true };
  }
}
