import { timeOf } from './format.js';
import { html } from './html.js';
import { layout, type PageFrame } from './layout.js';

/** What the profile page shows about the logged-in user's session. */
export interface ProfileView {
  userId: string;
  /** Public session id (`session.id`): a hash of the cookie's secret, safe to show. */
  sessionId: string;
  loggedInAt?: Date;
  /** When the session idles out unless used again. */
  expires: Date | null;
  visits: number;
}

/** The logged-in user's page. */
export function profilePage(frame: Omit<PageFrame, 'title' | 'active'>, view: ProfileView): string {
  const content = html`<section class="card">
    <h1>Profile</h1>
    <p class="muted">
      Only logged-in users see this page. It is sent with <code>Cache-Control: no-store</code>, so after a logout the
      back button cannot bring it back from the browser's cache.
    </p>
    <dl>
      <dt>User name</dt>
      <dd data-testid="profile-user">${view.userId}</dd>
      <dt>Logged in</dt>
      <dd>${view.loggedInAt !== undefined ? timeOf(view.loggedInAt) : 'unknown'}</dd>
      <dt>Session expires</dt>
      <dd>${view.expires !== null ? html`${timeOf(view.expires)} <span class="muted">(if idle)</span>` : 'never'}</dd>
      <dt>Visits</dt>
      <dd>${view.visits}</dd>
      <dt>Public session id</dt>
      <dd><code>${view.sessionId}</code></dd>
    </dl>
    <p class="actions"><a href="/web/sessions">See every browser logged in as you →</a></p>
  </section>`;
  return layout({ ...frame, title: 'Profile', active: 'profile' }, content);
}
