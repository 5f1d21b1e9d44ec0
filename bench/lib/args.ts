/** `--name=value` and `--flag` arguments, nothing else. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg} (use --name=value)`);
    out.set(match[1]!, match[2] ?? 'true');
  }
  return out;
}

export function numberArg(args: Map<string, string>, name: string, fallback: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0`);
  return value;
}

export function listArg(args: Map<string, string>, name: string): string[] {
  return (args.get(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
