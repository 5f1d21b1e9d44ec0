/**
 * Which Nest the suite runs against: `npm test` runs it once on the root's
 * Nest 12 and once on test/nest11's Nest 11 (jest.nest11.config.js sets
 * NEST_LINE).
 * This pins that the second run really loads Nest 11, the library's own
 * imports included, and not the root's copy.
 */
const line = process.env.NEST_LINE ?? '12';
const major = (version: string) => version.split('.')[0];

describe(`the Nest ${line} line`, () => {
  it('loads @nestjs/core, @nestjs/common and the platforms of that major', async () => {
    for (const name of ['@nestjs/core', '@nestjs/common', '@nestjs/platform-express', '@nestjs/platform-fastify']) {
      const { default: pkg } = (await import(`${name}/package.json`, { with: { type: 'json' } })) as {
        default: { version: string };
      };
      expect(`${name}@${major(pkg.version)}`).toBe(`${name}@${line}`);
    }
  });

  it('gives the library the same @nestjs/common the tests use', async () => {
    const common = await import('@nestjs/common');
    const { SessionStoreUnavailableException } = await import('../../lib/index.js');
    expect(new SessionStoreUnavailableException()).toBeInstanceOf(common.HttpException);
  });
});
