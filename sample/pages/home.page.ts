import { html } from './html.js';
import { layout, type PageFrame } from './layout.js';

/** The home page: this browser's visit counter. */
export function homePage(frame: Omit<PageFrame, 'title' | 'active'>, visits: number): string {
  const content = html`<section class="card">
      <h1>${frame.userId !== undefined ? html`Welcome back, ${frame.userId}` : 'Welcome'}</h1>
      <p class="muted">This page counts your visits in a server-side session. Reload it: the count goes up.</p>
      <p><span class="big" data-testid="visits">${visits}</span></p>
      <p>${visits === 1 ? 'visit' : 'visits'} from this browser session.</p>
    </section>
    <section class="card">
      <h2>What to try</h2>
      <p>
        ${
          frame.userId !== undefined
            ? html`Open <a href="/web/sessions">your sessions</a>, then log in as the same user from another browser (or
                a private window): both sessions are listed, and you can log one out from the other.`
            : html`<a href="/web/login">Log in</a> with any user name. The session id changes at login (a defence
                against session fixation); the visit count is carried over.`
        }
      </p>
      <p class="muted">The session cookie is HttpOnly: scripts on this page cannot read it.</p>
    </section>`;
  return layout({ ...frame, title: 'Home', active: 'home' }, content);
}
