import { DEMO_PASSWORD } from '../demo-login.js';
import { html } from './html.js';
import { layout, type PageFrame } from './layout.js';

/** The login form. Any user name works with the demo password, shown on the page. */
export function loginPage(frame: Omit<PageFrame, 'title' | 'active'> & { csrf: string }): string {
  const content = html`<section class="card">
    <h1>Log in</h1>
    <p class="muted">
      Any user name works; the password is <code data-testid="demo-password">${DEMO_PASSWORD}</code>. Log in as the same
      user from two browsers to see both sessions on the "Your sessions" page.
    </p>
    <form method="post" action="/web/login">
      <input type="hidden" name="_csrf" value="${frame.csrf}" />
      <label for="username">User name</label>
      <input id="username" name="username" type="text" autocomplete="username" required maxlength="64" />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <div class="actions"><button type="submit">Log in</button></div>
    </form>
  </section>`;
  return layout({ ...frame, title: 'Log in', active: 'login' }, content);
}
