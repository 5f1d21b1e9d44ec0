import type { Flash } from '../flash.js';
import { html, SafeHtml } from './html.js';

/** What every page shows around its content. */
export interface PageFrame {
  title: string;
  /** The logged-in user, or undefined for a visitor. */
  userId?: string;
  /** The session's CSRF token, for the logout button (shown only with it). */
  csrf?: string;
  /** A one-time message from the previous action ("1 other session was logged out"). */
  flash?: Flash;
  /** Which entry of the navigation is this page. */
  active?: 'home' | 'login' | 'profile' | 'sessions';
}

/** Trusted constant CSS (inside <style>, entities would not be decoded, so it is not escaped). */
const STYLE = new SafeHtml(`
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         color: #1f2933; background: #f4f6f8; }
  header { background: #1f2933; color: #fff; }
  header .bar { max-width: 820px; margin: 0 auto; padding: 0 20px; display: flex; align-items: center; gap: 20px;
                min-height: 56px; flex-wrap: wrap; }
  header .brand { font-weight: 700; letter-spacing: .2px; color: #fff; text-decoration: none; margin-right: 12px; }
  header nav { display: flex; gap: 4px; flex: 1; }
  header nav a { color: #cbd2d9; text-decoration: none; padding: 6px 10px; border-radius: 6px; }
  header nav a:hover { color: #fff; background: #323f4b; }
  header nav a.active { color: #fff; background: #3e4c59; }
  header .who { display: flex; align-items: center; gap: 10px; color: #cbd2d9; font-size: 14px; }
  header .who strong { color: #fff; }
  header .who a { color: #fff; text-decoration: none; padding: 5px 12px; border: 1px solid #616e7c; border-radius: 6px; }
  header .who a:hover, header .who a.active { background: #323f4b; }
  main { max-width: 820px; margin: 32px auto; padding: 0 20px; }
  .card { background: #fff; border: 1px solid #e4e7eb; border-radius: 10px; padding: 24px 28px; margin-bottom: 20px;
          box-shadow: 0 1px 2px rgba(15, 23, 42, .04); }
  h1 { font-size: 26px; margin: 0 0 12px; }
  h2 { font-size: 18px; margin: 0 0 12px; }
  p { margin: 0 0 12px; }
  .muted { color: #616e7c; font-size: 14px; }
  .big { font-size: 44px; font-weight: 700; color: #2563eb; line-height: 1.1; }
  .notice { background: #e8f0fe; border: 1px solid #bfd3fb; color: #1e40af; border-radius: 8px; padding: 10px 14px;
            margin-bottom: 20px; }
  .error { background: #fdecea; border: 1px solid #f5c2bd; color: #a12a1f; border-radius: 8px; padding: 10px 14px;
           margin-bottom: 16px; }
  form.inline { display: inline; margin: 0; }
  label { display: block; font-weight: 600; font-size: 14px; margin: 14px 0 6px; }
  input[type=text], input[type=password] { width: 100%; max-width: 360px; padding: 9px 12px; font: inherit;
                                           border: 1px solid #cbd2d9; border-radius: 6px; }
  input:focus { outline: 2px solid #93b4f8; border-color: #2563eb; }
  button { font: inherit; font-size: 14px; font-weight: 600; padding: 8px 14px; border-radius: 6px; cursor: pointer;
           border: 1px solid #2563eb; background: #2563eb; color: #fff; }
  button:hover { background: #1d4ed8; }
  button.secondary { background: #fff; color: #1f2933; border-color: #cbd2d9; }
  button.secondary:hover { background: #f4f6f8; }
  button.danger { background: #fff; color: #b42318; border-color: #f1b5ae; }
  button.danger:hover { background: #fdecea; }
  header button.secondary { background: transparent; color: #fff; border-color: #616e7c; padding: 5px 12px; }
  header button.secondary:hover { background: #323f4b; }
  .actions { margin-top: 20px; display: flex; gap: 10px; flex-wrap: wrap; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 8px 24px; margin: 0; }
  dt { color: #616e7c; }
  dd { margin: 0; word-break: break-all; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; background: #f4f6f8;
         padding: 1px 5px; border-radius: 4px; }
  table { width: 100%; border-collapse: collapse; font-size: 14px; }
  th { text-align: left; color: #616e7c; font-weight: 600; border-bottom: 1px solid #e4e7eb; padding: 8px 10px; }
  td { border-bottom: 1px solid #f0f2f4; padding: 10px; vertical-align: top; }
  tr.current td { background: #f5f9ff; }
  td.agent { word-break: break-word; }
  th.nowrap, td.nowrap { white-space: nowrap; }
  .badge { display: inline-block; font-size: 12px; font-weight: 600; color: #1e40af; background: #dbe7fe;
           border-radius: 999px; padding: 1px 8px; margin-left: 6px; white-space: nowrap; }
  a { color: #2563eb; }
`);

/** The page around `content`: head, inline CSS, navigation bar, logout button. */
export function layout(frame: PageFrame, content: SafeHtml): string {
  const link = (key: PageFrame['active'], href: string, label: string) =>
    html`<a href="${href}" class="${frame.active === key ? 'active' : ''}">${label}</a>`;
  const who =
    frame.userId !== undefined
      ? html`<div class="who">
          <span>Signed in as <strong data-testid="current-user">${frame.userId}</strong></span>
          ${
            frame.csrf !== undefined
              ? html`<form class="inline" method="post" action="/web/logout">
                  <input type="hidden" name="_csrf" value="${frame.csrf}" />
                  <button class="secondary" type="submit">Log out</button>
                </form>`
              : ''
          }
        </div>`
      : html`<div class="who">${link('login', '/web/login', 'Log in')}</div>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${frame.title} · nest-sessions sample</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <div class="bar">
            <a class="brand" href="/web">nest-sessions</a>
            <nav>
              ${link('home', '/web', 'Home')} ${link('profile', '/web/profile', 'Profile')}
              ${link('sessions', '/web/sessions', 'Your sessions')}
            </nav>
            ${who}
          </div>
        </header>
        <main>
          ${
            frame.flash !== undefined
              ? html`<div class="${frame.flash.kind}" role="${frame.flash.kind === 'error' ? 'alert' : 'status'}">
                  ${frame.flash.text}
                </div>`
              : ''
          }
          ${content}
        </main>
      </body>
    </html> `.value;
}
