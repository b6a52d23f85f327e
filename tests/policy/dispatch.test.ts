// Who may start a rollback or an incident from outside: the policy's dispatch.allowed_senders, checked on GitHub's
// own example events (issue 13, point 6).
import { describe, expect, it } from 'vitest';
import { assertDispatchAccepted, dispatchVerdict } from '../../src/policy/dispatch.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';

const dispatched = (login: string | undefined) => {
  const event: Record<string, unknown> = {
    ...webhookExample('repository_dispatch'),
    action: 'tollgate-rollback',
  };
  event.sender = login === undefined ? undefined : { ...(event.sender as object), login };
  return { eventName: 'repository_dispatch', event };
};
const MONITOR = 'acme-monitor[bot]';

describe('dispatchVerdict', () => {
  it.each([
    ['a listed bot', [MONITOR], dispatched(MONITOR), true],
    ['a listed login in another case', ['Acme-Monitor[bot]'], dispatched(MONITOR), true],
    ['a writer with a token', [MONITOR], dispatched('Codertocat'), false],
    ['a look-alike login', [MONITOR], dispatched('acme-monitor'), false],
    ['any sender when none is listed', [], dispatched(MONITOR), false],
    ['a dispatch naming no sender', [MONITOR], dispatched(undefined), false],
    [
      'a person running the workflow by hand',
      [],
      { eventName: 'workflow_dispatch', event: webhookExample('workflow_dispatch') },
      true,
    ],
    ['a scheduled run', [], { eventName: 'schedule', event: {} }, true],
  ] as const)('%s: accepted %s', (_case, allowed, origin, accepted) => {
    expect(dispatchVerdict(allowed, origin).accepted).toBe(accepted);
  });
});

describe('assertDispatchAccepted', () => {
  it('names the event, the sender, what it asked for and the policy field to change', () => {
    expect(() => assertDispatchAccepted([], dispatched('Codertocat'), 'roll back')).toThrow(
      expect.objectContaining({
        message:
          'refused the repository_dispatch tollgate-rollback from Codertocat to roll back: the policy lists no ' +
          'dispatch senders (dispatch.allowed_senders)',
        file: 'policy.yaml',
        field: 'dispatch.allowed_senders',
        fix: expect.stringContaining('workflow_dispatch'),
      }),
    );
    expect(() => assertDispatchAccepted([MONITOR], dispatched(MONITOR), 'roll back')).not.toThrow();
  });
});
