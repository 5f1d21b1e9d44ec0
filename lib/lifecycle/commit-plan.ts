import type { ResolvedSessionOptions } from '../session.options.js';
import type { Session } from '../session.js';
import { snapshotOfBaseline } from './session-data.js';
import type { Internals } from './session-internals.js';

/**
 * What committing a session does, decided in one place: the commit carries
 * out the step, and "is there anything to commit?" (`idle`, asked before
 * waiting on a commit at all) is `planCommit(...) === 'nothing'`.
 *
 * - `create`: a new session that holds data (or `saveUninitialized`, or an
 *   explicit `save()`); written only if absent.
 * - `patch`: an existing session whose data changed; only the changed keys,
 *   only while the record exists.
 * - `touch`: unchanged, but due for a refresh (`rolling`, `touchAfter`).
 * - `resend`: unchanged, but the client's token must be re-signed.
 * - `clear-cookie`: a session destroyed or regenerated and left empty.
 *
 * `create` and `patch` are decided on the data's JSON against its baseline;
 * their executors diff per key and fall back to `stepWhenUnchanged` when the
 * data turns out to be what was stored after all.
 */
export type CommitStep = 'nothing' | 'clear-cookie' | 'create' | 'patch' | 'touch' | 'resend';

export function planCommit(
  session: Session,
  i: Internals,
  options: ResolvedSessionOptions,
  now: number,
  explicit: boolean,
): CommitStep {
  if (i.gone) return 'nothing';
  const same = unchanged(session, i, options.maxBytes);
  if (i.isNew) return !same || options.saveUninitialized || explicit ? 'create' : newSessionStep(i);
  return same ? stepWhenUnchanged(i, options, now) : 'patch';
}

/** A new session with nothing to store: only a cookie to clear, if any. */
export function newSessionStep(i: Internals): CommitStep {
  return i.clearCookie ? 'clear-cookie' : 'nothing';
}

/** A stored session whose data did not change. */
export function stepWhenUnchanged(i: Internals, options: ResolvedSessionOptions, now: number): CommitStep {
  // A new lifetime ("remember me") is written with the expiry: the touch stores the meta.
  if (i.lifetimeChanged || options.rolling || now - i.meta.lastActiveAt >= options.touchAfter) return 'touch';
  return i.resend ? 'resend' : 'nothing';
}

/**
 * True when the data is provably what was last loaded or saved (and within
 * `maxBytes`): its JSON equals the baseline. False means "compare per key",
 * which is always safe: the executors diff per key and find out.
 *
 * Once the JSON differs, the baseline gives way to the per-key snapshot it
 * stands for, so the next plan of the same commit (`idle` asks first, then
 * `persist`) goes straight to the per-key diff instead of serialising the
 * whole data again.
 */
function unchanged(session: Session, i: Internals, maxBytes: number): boolean {
  if (i.baseline === undefined) return false;
  // Against an empty baseline (every fresh session) the keys tell, without JSON:
  // none is unchanged, and any is left to the per-key diff.
  if (i.baseline === '{}') {
    if (Object.keys(session).length === 0) return true;
    i.snapshot ??= new Map();
    i.baseline = undefined;
    return false;
  }
  let json: string;
  try {
    json = JSON.stringify(session);
  } catch {
    return false; // diffData names the key that cannot be serialised
  }
  if (json !== i.baseline) {
    i.snapshot ??= snapshotOfBaseline(i.baseline);
    i.baseline = undefined;
    return false;
  }
  return json.length <= maxBytes / 4 || Buffer.byteLength(json) <= maxBytes;
}
