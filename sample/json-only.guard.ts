import { type CanActivate, type ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';

/**
 * Cross-site request forgery defence for the JSON routes that change state
 * (login, logout, tokens): a cross-site HTML form can only send urlencoded,
 * multipart or text/plain bodies, and a script on another origin cannot send
 * `application/json` without a CORS preflight this app never grants. So these
 * routes accept JSON bodies only. (The HTML forms under /web use a CSRF token
 * kept in the session instead.)
 */
@Injectable()
export class JsonOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new UnsupportedMediaTypeException('Send this request as application/json');
    }
    return true;
  }
}
