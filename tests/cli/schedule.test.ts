// `tollgate schedule`: status from isDue at the pinned clock; each change one commit with trailers; dry runs
// write nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Schedule } from '../../src/registry/types.ts';
import { cleanupRepos, type Repo } from '../git/repo-fixture.ts';
import { cli, FRAUD_SCHEDULE, registryRepo, trailersOf } from './registry-repo.ts';

afterEach(cleanupRepos);

const readSchedule = (repo: Repo): Schedule =>
  load(readFileSync(join(repo.dir, FRAUD_SCHEDULE), 'utf8')) as Schedule;

describe('tollgate schedule status', () => {
  it('shows which models are due, disabled or paused at TOLLGATE_NOW', async () => {
    const repo = await registryRepo();
    const json = await cli(['-C', repo.dir, 'schedule', 'status', '--format', 'json']);
    expect(json.code).toBe(0);
    const shown = JSON.parse(json.out) as {
      now: string;
      models: { model: string; state: string; reason: string }[];
    };
    expect(shown.now).toBe('2026-11-25T22:00:00Z');
    expect(shown.models).toEqual([
      expect.objectContaining({ model: 'churn-predictor', state: 'disabled' }),
      expect.objectContaining({
        model: 'fraud-detector',
        state: 'due',
        reason: expect.stringContaining('overdue since 2026-11-05T00:00:00Z'),
        next_run: '2026-11-05T00:00:00Z',
      }),
      expect.objectContaining({ model: 'penguin-sex', state: 'due' }),
    ]);

    // Before next_run the model waits.
    const early = await cli(['-C', repo.dir, 'schedule', 'status', 'fraud-detector'], {
      TOLLGATE_NOW: '2026-11-01T00:00:00Z',
    });
    expect(early.out).toMatch(/fraud-detector\s+waiting\s+every 1w\s+next run at 2026-11-05T00:00:00Z/);
  });

  it('names an unknown model with a fix', async () => {
    const repo = await registryRepo();
    const run = await cli(['-C', repo.dir, 'schedule', 'status', 'nope']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('no model nope in the registry');
  });
});

describe('tollgate schedule pause / resume / set-interval', () => {
  it('pauses for a duration in one commit with trailers, and status then says paused', async () => {
    const repo = await registryRepo();
    const before = await repo.head();
    const run = await cli([
      '-C',
      repo.dir,
      'schedule',
      'pause',
      'fraud-detector',
      '--for',
      '2h',
      '--reason',
      'data migration',
    ]);
    expect(run.code).toBe(0);
    expect(await repo.git(['rev-parse', 'HEAD~1'])).toBe(before);
    expect(await repo.git(['show', '--name-only', '--format=', 'HEAD'])).toBe(FRAUD_SCHEDULE);
    expect(await repo.git(['status', '--porcelain'])).toBe('');
    expect(await trailersOf(repo, 'HEAD')).toEqual({
      'Tollgate-Event': ['schedule-pause'],
      Model: ['fraud-detector'],
      'Requested-By': ['alice'],
    });
    expect(readSchedule(repo)).toMatchObject({
      paused_until: '2026-11-26T00:00:00Z',
      paused_reason: 'data migration',
      paused_by: 'alice',
      updated_at: '2026-11-25T22:00:00Z',
    });
    const status = await cli(['-C', repo.dir, 'schedule', 'status', 'fraud-detector']);
    expect(status.out).toMatch(
      /fraud-detector\s+paused\s+every 1w\s+paused until 2026-11-26T00:00:00Z by alice: data migration/,
    );

    const resumed = await cli(['-C', repo.dir, 'schedule', 'resume', 'fraud-detector', '--by', 'bob']);
    expect(resumed.code).toBe(0);
    expect(await trailersOf(repo, 'HEAD')).toMatchObject({
      'Tollgate-Event': ['schedule-resume'],
      'Requested-By': ['bob'],
    });
    const schedule = readSchedule(repo);
    expect(schedule.paused_until).toBeUndefined();
    expect(schedule.paused_reason).toBeUndefined();
    expect(await repo.git(['rev-list', '--count', `${before}..HEAD`])).toBe('2');
  });

  it('pauses until a time, and refuses a pause with two ends or an end in the past', async () => {
    const repo = await registryRepo();
    const head = await repo.head();
    const both = await cli([
      '-C',
      repo.dir,
      'schedule',
      'pause',
      'fraud-detector',
      '--for',
      '2h',
      '--until',
      '2026-12-01T09:00:00Z',
      '--reason',
      'x',
    ]);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--for DURATION or --until TIME, not both');
    const past = await cli([
      '-C',
      repo.dir,
      'schedule',
      'pause',
      'fraud-detector',
      '--until',
      '2026-11-01T00:00:00Z',
      '--reason',
      'x',
    ]);
    expect(past.code).toBe(2);
    expect(past.err).toContain('is not after now');
    expect(await repo.head()).toBe(head);
    const ok = await cli([
      '-C',
      repo.dir,
      'schedule',
      'pause',
      'fraud-detector',
      '--until',
      '2026-12-01T09:00:00Z',
      '--reason',
      'freeze',
    ]);
    expect(ok.code).toBe(0);
    expect(readSchedule(repo).paused_until).toBe('2026-12-01T09:00:00Z');
  });

  it('pauses until resumed without --for or --until, and resume ends it', async () => {
    const repo = await registryRepo();
    const paused = await cli([
      '-C',
      repo.dir,
      'schedule',
      'pause',
      'fraud-detector',
      '--reason',
      'audit',
      '--by',
      'bob',
    ]);
    expect(paused.code).toBe(0);
    expect(paused.out).toContain('Pause the retrain schedule of fraud-detector until resumed: audit');
    const schedule = readSchedule(repo);
    expect(schedule.paused_until).toBeUndefined();
    expect(schedule).toMatchObject({ paused_reason: 'audit', paused_by: 'bob' });
    expect((await cli(['-C', repo.dir, 'schedule', 'status', 'fraud-detector'])).out).toContain('paused');
    expect((await cli(['-C', repo.dir, 'schedule', 'resume', 'fraud-detector'])).code).toBe(0);
    expect(readSchedule(repo).paused_reason).toBeUndefined();
  });

  it('reset clears the failure streak and cooldown in one commit that says who and why', async () => {
    const repo = await registryRepo((r) =>
      r.writeFiles({
        [FRAUD_SCHEDULE]: readFileSync(join(r.dir, FRAUD_SCHEDULE), 'utf8').replace(
          'failure_streak: 0',
          "failure_streak: 3\nlast_failure: '2026-11-05T00:00:00Z'\ncooldown_until: '2099-01-01T00:00:00Z'",
        ),
      }),
    );
    const head = await repo.head();
    const noReason = await cli(['-C', repo.dir, 'schedule', 'reset', 'fraud-detector']);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain('schedule reset: --reason TEXT is required');
    const reset = await cli([
      '-C',
      repo.dir,
      'schedule',
      'reset',
      'fraud-detector',
      '--reason',
      'feed restored',
    ]);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain('Reset the failure streak (3) and cooldown of fraud-detector: feed restored');
    expect(await repo.git(['rev-list', '--count', `${head}..HEAD`])).toBe('1');
    expect(await trailersOf(repo, 'HEAD')).toMatchObject({
      'Tollgate-Event': ['schedule-reset'],
      'Requested-By': ['alice'],
    });
    const schedule = readSchedule(repo);
    expect(schedule).toMatchObject({
      failure_streak: 0,
      last_reset: { by: 'alice', reason: 'feed restored', failure_streak: 3 },
    });
    expect(schedule.cooldown_until).toBeUndefined();
    const again = await cli(['-C', repo.dir, 'schedule', 'reset', 'fraud-detector', '--reason', 'again']);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('no failure streak or cooldown to reset');
  });

  it('prints the change on --dry-run and writes nothing', async () => {
    const repo = await registryRepo();
    const head = await repo.head();
    const run = await cli([
      '-C',
      repo.dir,
      'schedule',
      'pause',
      'fraud-detector',
      '--for',
      '90m',
      '--reason',
      'incident',
      '--dry-run',
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('(dry run: nothing written)');
    expect(run.out).toContain('paused_until: (none) -> 2026-11-25T23:30:00Z');
    const interval = await cli([
      '-C',
      repo.dir,
      'schedule',
      'set-interval',
      'fraud-detector',
      '45m',
      '--dry-run',
    ]);
    expect(interval.out).toContain('interval: 604800 -> 2700');
    expect(await repo.head()).toBe(head);
    expect(await repo.git(['status', '--porcelain'])).toBe('');
  });

  it('sets the interval: next_run moves to last_run + the new interval', async () => {
    const repo = await registryRepo();
    const run = await cli(['-C', repo.dir, 'schedule', 'set-interval', 'fraud-detector', '45m']);
    expect(run.code).toBe(0);
    expect(readSchedule(repo)).toMatchObject({
      interval: 2700,
      last_run: '2026-10-29T00:00:00Z',
      next_run: '2026-10-29T00:45:00Z',
    });
    expect(await trailersOf(repo, 'HEAD')).toMatchObject({ 'Tollgate-Event': ['schedule-interval'] });
    expect(await repo.git(['log', '-1', '--format=%s'])).toBe('Retrain fraud-detector every 45m');
  });

  it('refuses to resume a schedule that is not paused', async () => {
    const repo = await registryRepo();
    const run = await cli(['-C', repo.dir, 'schedule', 'resume', 'fraud-detector']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('is not paused');
  });
});
