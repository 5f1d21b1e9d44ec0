import { applyDecorators, Header } from '@nestjs/common';

/**
 * A route that returns a server-rendered HTML page. Pages depend on the
 * session, so no cache may keep them: after a logout the back button must
 * not show a logged-in page from the browser's cache.
 */
export function HtmlPage(): MethodDecorator {
  return applyDecorators(Header('Content-Type', 'text/html; charset=utf-8'), Header('Cache-Control', 'no-store'));
}
