import type { LoggerService } from '@nestjs/common';

/** Rejected tokens in one window above which a guessing attempt is reported. */
const THRESHOLD = 100;
const WINDOW_MS = 60_000;

/**
 * Counts presented tokens that failed verification (forged, tampered,
 * malformed) and warns when one minute holds more than a hundred: the sign
 * of someone guessing session ids. Costs a counter per bad token; logs no
 * token, ever. `total` is there for metrics.
 */
export class RejectedTokenMonitor {
  total = 0;
  private windowStart = 0;
  private inWindow = 0;
  private reported = false;

  constructor(private readonly logger: LoggerService | null) {}

  rejected(now = Date.now()): void {
    this.total++;
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.inWindow = 0;
      this.reported = false;
    }
    this.inWindow++;
    if (this.inWindow > THRESHOLD && !this.reported) {
      this.reported = true;
      this.logger?.warn(
        `More than ${THRESHOLD} invalid session tokens within ${WINDOW_MS / 1000} s: possible session id guessing`,
      );
    }
  }
}
