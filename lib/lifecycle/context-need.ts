import type { ModulesContainer } from '@nestjs/core';

/**
 * Whether any class or factory of the application asks for one of `tokens` by
 * injection: a constructor parameter (by type or `@Inject()`, forwardRef
 * included), a property (`@Inject()` on a field), or a factory's or alias's
 * `inject` list. Metadata keys are Nest's own (`@nestjs/common` constants).
 *
 * The interceptor uses it to know whether anything could call SessionService
 * without a session argument (which needs the request's async context), and
 * whether anything could reach SessionService at all (also through ModuleRef
 * or a lazily loaded module), which decides how it is bound to routes.
 */
export function isInjectedAnywhere(modules: ModulesContainer, ...tokens: unknown[]): boolean {
  const is = (dep: unknown): boolean => {
    if (tokens.includes(dep)) return true;
    const ref = dep as { forwardRef?: () => unknown } | null | undefined;
    return typeof ref?.forwardRef === 'function' && tokens.includes(ref.forwardRef());
  };
  for (const module of modules.values()) {
    for (const wrappers of [module.providers, module.controllers, module.injectables, module.middlewares]) {
      for (const wrapper of wrappers.values()) {
        if (wrapper.inject?.some((dep) => is(typeof dep === 'object' && dep && 'token' in dep ? dep.token : dep)))
          return true;
        const type = wrapper.metatype;
        if (typeof type !== 'function' || wrapper.inject) continue;
        const params = (Reflect.getMetadata('design:paramtypes', type) ?? []) as unknown[];
        if (params.some(is)) return true;
        const declared = (Reflect.getMetadata('self:paramtypes', type) ?? []) as { param: unknown }[];
        if (declared.some((d) => is(d.param))) return true;
        const properties = (Reflect.getMetadata('self:properties_metadata', type) ?? []) as { type: unknown }[];
        if (properties.some((p) => is(p.type))) return true;
      }
    }
  }
  return false;
}
