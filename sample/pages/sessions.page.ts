import type { OwnedSession } from '../../lib/index.js';
import { ago, timeOf } from './format.js';
import { html } from './html.js';
import { layout, type PageFrame } from './layout.js';

/** "Your sessions": every live session of the user, each with a logout button. */
export function sessionsPage(
  frame: Omit<PageFrame, 'title' | 'active'> & { csrf: string },
  sessions: OwnedSession[],
): string {
  const others = sessions.filter((s) => !s.current).length;
  const rows = sessions.map(
    (s) =>
      html`<tr
        class="${s.current ? 'current' : ''}"
        data-testid="session-row"
        data-current="${s.current ? 'true' : 'false'}"
      >
        <td class="agent">
          ${s.userAgent ?? html`<span class="muted">unknown device (API token)</span>`}
          ${s.current ? html`<span class="badge">this browser</span>` : ''}
        </td>
        <td class="nowrap">${timeOf(s.createdAt)}</td>
        <td class="nowrap">${ago(s.lastActiveAt)}</td>
        <td class="nowrap">
          <form class="inline" method="post" action="/web/sessions/logout">
            <input type="hidden" name="_csrf" value="${frame.csrf}" />
            <input type="hidden" name="id" value="${s.id}" />
            <button class="danger" type="submit">Log out this one</button>
          </form>
        </td>
      </tr>`,
  );
  const content = html`<section class="card">
    <h1>Your sessions</h1>
    <p class="muted">Every browser or API client logged in as <strong>${frame.userId}</strong>, oldest first.</p>
    <table>
      <thead>
        <tr>
          <th>Device (User-Agent)</th>
          <th class="nowrap">Created</th>
          <th class="nowrap">Last active</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    <div class="actions">
      <form class="inline" method="post" action="/web/sessions/logout-others">
        <input type="hidden" name="_csrf" value="${frame.csrf}" />
        <button class="danger" type="submit" ${others === 0 ? html`disabled` : ''}>Log out everywhere else</button>
      </form>
    </div>
  </section>`;
  return layout({ ...frame, title: 'Your sessions', active: 'sessions' }, content);
}
