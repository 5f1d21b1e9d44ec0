/** Child process of bench/overhead: measures what argv[2] asks and sends the rows back over IPC. */
import { measure, type MeasureOptions } from './measure.js';

const options = JSON.parse(process.argv[2] ?? '{}') as MeasureOptions;
const send = (message: object): void => void process.send?.(message);

measure(options, (line) => send({ log: line })).then(
  (rows) => {
    send({ rows });
    process.disconnect?.();
  },
  (error: unknown) => {
    send({ error: String((error as Error)?.stack ?? error) });
    process.disconnect?.();
    process.exitCode = 1;
  },
);
