import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LoginRequiredException } from './login-required.js';
import { errorPage } from './pages/error.page.js';

/**
 * Errors of the HTML pages as pages: a visitor who is not logged in is sent
 * to the login form (303), other HTTP errors (403 bad CSRF token, 503 store
 * down, …) render an error page with their status. Works on Express and Fastify.
 */
@Catch(HttpException)
export class HtmlErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: HttpException, host: ArgumentsHost): void {
    const http = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse<unknown>();
    http.setHeader(response, 'Cache-Control', 'no-store');
    if (exception instanceof LoginRequiredException) {
      http.redirect(response, 303, '/web/login');
      return;
    }
    const status = exception.getStatus();
    const page = errorPage(accountOf(host), { status, title: titleOf(exception), message: exception.message });
    http.setHeader(response, 'Content-Type', 'text/html; charset=utf-8');
    http.reply(response, page, status);
  }
}

/**
 * Who is logged in, for the page's header: the session a guard or handler
 * already loaded (`req.session`). Nothing is loaded or written here.
 */
function accountOf(host: ArgumentsHost): { userId?: string; csrf?: string } {
  const session = host.switchToHttp().getRequest<{ session?: Record<string, unknown> }>().session;
  if (typeof session?.userId !== 'string') return {};
  return { userId: session.userId, csrf: typeof session.csrf === 'string' ? session.csrf : undefined };
}

/** "Forbidden" from a ForbiddenException's response, else a generic title. */
function titleOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string') {
    return (body as { error: string }).error;
  }
  return exception.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2') || 'Error';
}
