/** Things to stop if the bench is interrupted: each one stops a process it started, by pid. */
const stoppers = new Set<() => Promise<void>>();
let installed = false;

export function onCleanup(stop: () => Promise<void>): () => void {
  stoppers.add(stop);
  if (!installed) {
    installed = true;
    const bail = (signal: NodeJS.Signals) => {
      void runCleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', bail);
    process.once('SIGTERM', bail);
  }
  return () => stoppers.delete(stop);
}

export async function runCleanup(): Promise<void> {
  const all = [...stoppers];
  stoppers.clear();
  await Promise.allSettled(all.map((stop) => stop()));
}
