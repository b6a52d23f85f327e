// What the gate reads from an event's payload, and the small rules its flows share: table tests, no I/O.
import { describe, expect, it } from 'vitest';
import {
  checkNameFor,
  closedPullOf,
  defaultBranchOf,
  gateRequestOf,
  isCloseEvent,
  unexplainedChanges,
} from '../../src/gate/target.ts';
import type { RegistryChange } from '../../src/registry/types.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';

describe('which flow an event asks for', () => {
  it.each([
    ['pull_request_target', { action: 'closed' }, true],
    ['pull_request_target', { action: 'synchronize' }, false],
    // The gate runs on pull_request_target; a pull_request closed event is judged like any other (and fails closed
    // on the missing number if it has none), never recorded.
    ['pull_request', { action: 'closed' }, false],
    ['merge_group', { action: 'checks_requested' }, false],
  ])('%s %j: record the merge = %s', (eventName, payload, expected) => {
    expect(isCloseEvent(eventName, payload)).toBe(expected);
  });

  it('reads the default branch from the payload, and nothing when it names none', () => {
    expect(defaultBranchOf({ repository: { default_branch: 'trunk' } })).toBe('trunk');
    expect(defaultBranchOf({ repository: {} })).toBeUndefined();
    expect(defaultBranchOf({})).toBeUndefined();
  });
});

describe("the gate's request from the action's inputs and the event", () => {
  it('fills empty inputs with the defaults and takes the default branch and run page when there are any', () => {
    expect(gateRequestOf({ checkName: '', registry: '' }, {})).toEqual({
      checkName: 'tollgate/signoff',
      registry: 'registry',
    });
    expect(
      gateRequestOf(
        { checkName: 'gate', registry: 'models/registry', appId: 42 },
        { repository: { default_branch: 'trunk' } },
        'https://github.com/acme/models/actions/runs/7',
      ),
    ).toEqual({
      checkName: 'gate',
      registry: 'models/registry',
      appId: 42,
      defaultBranch: 'trunk',
      runUrl: 'https://github.com/acme/models/actions/runs/7',
    });
  });
});

describe('a closed pull request from its event', () => {
  it("reads GitHub's published closed event: merged, its merge commit, time and merger", () => {
    const event = webhookExample('pull_request', { action: 'closed' });
    const pull = closedPullOf(event);
    expect(pull).toEqual({
      number: event.pull_request.number,
      merged: event.pull_request.merged === true,
      title: event.pull_request.title,
      mergeSha: event.pull_request.merge_commit_sha ?? '',
      mergedAt: event.pull_request.merged_at ?? '',
      mergedBy: event.pull_request.merged_by?.login ?? '',
      // The description as it stood at the merge: what the merge record keeps (null is an empty description).
      body: event.pull_request.body ?? '',
    });
    expect(pull.mergeSha).toMatch(/^[0-9a-f]{40}$/);
    expect(closedPullOf({ number: 3, pull_request: { number: 3, body: null } }).body).toBe('');
    expect('body' in closedPullOf({ number: 3, pull_request: { number: 3 } })).toBe(false);
  });

  it('takes merged_by null as no merger (recorded from the API or the merge commit later), not as an error', () => {
    const pull = closedPullOf({
      number: 7,
      pull_request: {
        number: 7,
        merged: true,
        title: 'Promote',
        merge_commit_sha: 'a'.repeat(40),
        merged_at: '2026-11-25T12:00:00Z',
        merged_by: null,
      },
    });
    expect(pull).toEqual({
      number: 7,
      merged: true,
      title: 'Promote',
      mergeSha: 'a'.repeat(40),
      mergedAt: '2026-11-25T12:00:00Z',
      mergedBy: '',
    });
  });

  it.each([[{}], [{ number: 0, pull_request: { number: 0 } }], [{ number: 3 }]])(
    'refuses an event without a pull request: %j',
    (payload) => {
      expect(() => closedPullOf(payload)).toThrow(/carries no pull request/);
    },
  );
});

describe('the rules the gate flows share', () => {
  it('names the check of a pull request into another branch apart from the default branch’s', () => {
    expect(checkNameFor('tollgate/signoff', undefined)).toBe('tollgate/signoff');
    expect(checkNameFor('tollgate/signoff', 'release')).toBe('tollgate/signoff (into release)');
  });

  it('finds the changes of a merge group that no pull request in it explains', () => {
    const stage = (to: string): RegistryChange => ({
      kind: 'stage-changed',
      path: 'models/m/stages.yaml',
      model: 'm',
      stage: 'production',
      from: 'v1',
      to,
    });
    const added: RegistryChange = {
      kind: 'version-added',
      path: 'models/m/versions/v2.yaml',
      model: 'm',
      version: 'v2',
    };
    expect(unexplainedChanges([stage('v2'), added], [[stage('v2')], [added]])).toEqual([]);
    expect(unexplainedChanges([stage('v3'), added], [[stage('v2')], [added]])).toEqual([stage('v3')]);
    expect(unexplainedChanges([added], [])).toEqual([added]);
  });
});
