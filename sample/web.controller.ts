import { BadRequestException, Body, Controller, Get, Post, Redirect, UseFilters, UseGuards } from '@nestjs/common';
import { Session, SessionService } from '../lib/index.js';
import { csrfTokenOf } from './csrf.js';
import { CsrfGuard } from './csrf.guard.js';
import { checkDemoLogin } from './demo-login.js';
import { setFlash, takeFlash } from './flash.js';
import { HtmlErrorFilter } from './html-error.filter.js';
import { HtmlPage } from './html-page.decorator.js';
import { requireUser } from './login-required.js';
import { homePage } from './pages/home.page.js';
import type { PageFrame } from './pages/layout.js';
import { loginPage } from './pages/login.page.js';
import { profilePage } from './pages/profile.page.js';
import { sessionsPage } from './pages/sessions.page.js';
import type { AppSession } from './session-data.js';

/** The fields of the sample's forms (application/x-www-form-urlencoded). */
interface FormBody {
  username?: unknown;
  password?: unknown;
  id?: unknown;
}

/** Where a form post lands (Post/Redirect/Get: a reload never re-posts). */
type SeeOther = { url: string };

/**
 * The sample's HTML pages under /web. Every form posts the session's CSRF
 * token; every page is `Cache-Control: no-store`.
 */
@Controller('web')
@UseFilters(HtmlErrorFilter)
export class WebController {
  constructor(private readonly sessions: SessionService) {}

  /** The visit counter. */
  @Get()
  @HtmlPage()
  home(@Session() session: AppSession): string {
    session.visits = (session.visits ?? 0) + 1;
    return homePage(this.frame(session), session.visits);
  }

  @Get('login')
  @HtmlPage()
  loginForm(@Session() session: AppSession): string {
    return loginPage({ ...this.frame(session), csrf: csrfTokenOf(session) });
  }

  /** Any user name with the demo password. The session gets a new id (fixation defence), keeping the visit count. */
  @Post('login')
  @UseGuards(CsrfGuard)
  @Redirect('/web/profile', 303)
  async login(@Session() session: AppSession, @Body() body: FormBody): Promise<SeeOther> {
    const userId = checkDemoLogin(body?.username, body?.password);
    if (userId === undefined) {
      setFlash(session, 'error', 'Wrong user name or password. Any user name works with the password shown below.');
      return { url: '/web/login' };
    }
    await this.sessions.regenerate(session, { keep: ['visits'] });
    session.userId = userId;
    session.loggedInAt = new Date().toISOString();
    return { url: '/web/profile' };
  }

  @Get('profile')
  @HtmlPage()
  profile(@Session() session: AppSession): string {
    const userId = requireUser(session);
    return profilePage(this.frame(session), {
      userId,
      sessionId: session.id,
      loggedInAt: typeof session.loggedInAt === 'string' ? new Date(session.loggedInAt) : undefined,
      expires: session.cookie.expires,
      visits: session.visits ?? 0,
    });
  }

  /** This user's live sessions, this one marked. */
  @Get('sessions')
  @HtmlPage()
  async list(@Session() session: AppSession): Promise<string> {
    const userId = requireUser(session);
    const sessions = await this.sessions.listByOwner(userId, session);
    return sessionsPage({ ...this.frame(session), csrf: csrfTokenOf(session) }, sessions);
  }

  /** End one of this user's sessions, named by its public id. */
  @Post('sessions/logout')
  @UseGuards(CsrfGuard)
  @Redirect('/web/sessions', 303)
  async logoutOne(@Session() session: AppSession, @Body() body: FormBody): Promise<SeeOther> {
    const userId = requireUser(session);
    if (typeof body?.id !== 'string') throw new BadRequestException('Which session? The form sent no id.');
    if (body.id === session.id) return this.logout(session);
    // `only` ends the session only if it is one of this user's: an id from another user's list does nothing.
    const ended = await this.sessions.destroyByOwner(userId, { only: body.id });
    setFlash(session, 'notice', ended === 1 ? 'That session was logged out.' : 'That session had already ended.');
    return { url: '/web/sessions' };
  }

  /** "Log out everywhere else": every session of this user but this one ends. */
  @Post('sessions/logout-others')
  @UseGuards(CsrfGuard)
  @Redirect('/web/sessions', 303)
  async logoutOthers(@Session() session: AppSession): Promise<SeeOther> {
    const userId = requireUser(session);
    const ended = await this.sessions.destroyByOwner(userId, { except: session });
    setFlash(
      session,
      'notice',
      ended === 1 ? '1 other session was logged out.' : `${ended} other sessions were logged out.`,
    );
    return { url: '/web/sessions' };
  }

  @Post('logout')
  @UseGuards(CsrfGuard)
  @Redirect('/web/login', 303)
  async logout(@Session() session: AppSession): Promise<SeeOther> {
    await session.destroy();
    // The session is now a new, empty one: the message below starts a fresh anonymous session.
    setFlash(session, 'notice', 'You are logged out.');
    return { url: '/web/login' };
  }

  /** What the layout needs: the user, the CSRF token for the logout button, the pending message. */
  private frame(session: AppSession): Omit<PageFrame, 'title' | 'active'> {
    const userId = typeof session.userId === 'string' ? session.userId : undefined;
    return {
      userId,
      csrf: userId !== undefined ? csrfTokenOf(session) : undefined,
      flash: takeFlash(session),
    };
  }
}
