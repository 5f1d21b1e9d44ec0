import { html } from './html.js';
import { layout, type PageFrame } from './layout.js';

/** An error page (403 on a bad CSRF token, 503 when the session store is down, …). */
export function errorPage(
  frame: Omit<PageFrame, 'title' | 'active'>,
  error: { status: number; title: string; message: string },
): string {
  const { status, title, message } = error;
  const content = html`<section class="card">
    <h1>${status} · ${title}</h1>
    <div class="error" role="alert" data-testid="error-message">${message}</div>
    <p><a href="/web">Back to the home page</a></p>
  </section>`;
  return layout({ ...frame, title }, content);
}
