// Who may start a rollback or declare an incident from outside: a repository_dispatch is accepted only from a
// sender the policy lists (dispatch.allowed_senders), since anyone holding a token with write access can send one.
// A workflow_dispatch is a person pressing the button in the repository; the actions record who it was.
import { TollgateError } from '../errors.ts';

export interface DispatchOrigin {
  eventName: string;
  /** The event payload: repository_dispatch carries `action` (the event type) and `sender`. */
  event: { action?: unknown; sender?: unknown };
}

export type DispatchVerdict =
  { accepted: true; sender?: string } | { accepted: false; sender?: string; reason: string };

const senderLogin = (event: DispatchOrigin['event']): string | undefined => {
  const login = (event.sender as { login?: unknown } | null | undefined)?.login;
  return typeof login === 'string' && login !== '' ? login : undefined;
};

/** Pure: accepted unless it is a repository_dispatch whose sender is missing or not listed (logins ignore case). */
export function dispatchVerdict(allowedSenders: readonly string[], origin: DispatchOrigin): DispatchVerdict {
  if (origin.eventName !== 'repository_dispatch') return { accepted: true };
  const sender = senderLogin(origin.event);
  if (sender === undefined) return { accepted: false, reason: 'it names no sender' };
  const allowed = allowedSenders.some((login) => login.toLowerCase() === sender.toLowerCase());
  if (allowed) return { accepted: true, sender };
  return {
    accepted: false,
    sender,
    reason:
      allowedSenders.length === 0
        ? 'the policy lists no dispatch senders (dispatch.allowed_senders)'
        : `the policy's dispatch.allowed_senders lists only ${allowedSenders.join(', ')}`,
  };
}

/** Throws the refusal an action reports, naming the sender, the event type and the fix. */
export function assertDispatchAccepted(
  allowedSenders: readonly string[],
  origin: DispatchOrigin,
  what: string,
): void {
  const verdict = dispatchVerdict(allowedSenders, origin);
  if (verdict.accepted) return;
  const type = typeof origin.event.action === 'string' ? ` ${origin.event.action}` : '';
  throw new TollgateError(
    `refused the repository_dispatch${type} from ${verdict.sender ?? 'an unknown sender'} to ${what}: ${verdict.reason}`,
    {
      file: 'policy.yaml',
      field: 'dispatch.allowed_senders',
      fix:
        "send it as a login the policy lists (your monitoring App's bot, e.g. my-monitor[bot]), or add that login " +
        'to dispatch.allowed_senders in policy.yaml (a policy change: the policy owners sign it off); a person can ' +
        'run the workflow by hand instead (workflow_dispatch)',
    },
  );
}
