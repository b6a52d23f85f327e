// `tollgate retrain` whose trainer cannot start: one line (command, exit status, the line that says why), no
// record committed; and the requester is never a silent "unknown".
import { afterEach, describe, expect, it } from 'vitest';
import { trainingNeverStarted, TrainingError } from '../../src/retrain/training.ts';
import { cleanupRepos, type Repo } from '../git/repo-fixture.ts';
import { cli, registryRepo, trailersOf } from './registry-repo.ts';

afterEach(cleanupRepos);

const refs = async (repo: Repo) => repo.git(['for-each-ref', '--format=%(refname:short) %(objectname)']);

describe('a trainer that cannot start', () => {
  it('that is not installed: one line, exit 3, nothing committed on any branch', async () => {
    const repo = await registryRepo();
    const before = await refs(repo);
    const run = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--command',
      '["no-such-trainer-x"]',
    ]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(
      /^tollgate: the training command could not start: no-such-trainer-x was not found\n/,
    );
    expect(run.err).toContain('nothing was recorded');
    expect(run.err.split('\n').filter(Boolean)).toHaveLength(2);
    expect(await refs(repo)).toBe(before);
  });

  it('whose interpreter cannot load it: the command, its exit status and the reason, no stack trace', async () => {
    const repo = await registryRepo((r) =>
      r.writeFiles({ 'trainer.mjs': "import 'tollgate-no-such-package';\nconsole.log('never');\n" }),
    );
    const before = await refs(repo);
    const run = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--command',
      '["node", "trainer.mjs"]',
    ]);
    expect(run.code).toBe(3);
    expect(run.err).toContain(
      'the training command could not start: node trainer.mjs exited with status 1: ',
    );
    expect(run.err).toContain("Cannot find package 'tollgate-no-such-package'");
    expect(run.err).not.toContain('    at ');
    expect(await refs(repo)).toBe(before);
  });

  it('a trainer that ran and failed is still recorded as a failed retrain', () => {
    const ran = new TrainingError('exited', { reason: 'exit', exitCode: 4, outputTail: ['auc too low'] });
    expect(trainingNeverStarted(ran)).toBe(false);
    const missing = new TrainingError('exited', {
      reason: 'exit',
      exitCode: 1,
      outputTail: ['Error [ERR_UNKNOWN_FILE_EXTENSION]: Unknown file extension ".ts" for /r/train.ts'],
    });
    expect(trainingNeverStarted(missing)).toBe(true);
    expect(trainingNeverStarted(new TrainingError('x', { reason: 'timeout' }))).toBe(false);
  });
});

describe('the requester', () => {
  const anonymous = { TOLLGATE_ACTOR: undefined, GITHUB_ACTOR: undefined, USER: undefined };

  it('comes from --requested-by', async () => {
    const repo = await registryRepo();
    const run = await cli(
      ['-C', repo.dir, 'schedule', 'set-interval', 'fraud-detector', '2h', '--by', 'carol'],
      anonymous,
    );
    expect(run.code, run.err).toBe(0);
    const dry = await cli(
      [
        '-C',
        repo.dir,
        'retrain',
        'fraud-detector',
        '--requested-by',
        'dave',
        '--dry-run',
        '--format',
        'json',
      ],
      anonymous,
    );
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('"actor": "dave"');
  });

  it("comes from git's user.name, and without any it is a usage error, never unknown", async () => {
    const repo = await registryRepo();
    await cli(['-C', repo.dir, 'schedule', 'set-interval', 'fraud-detector', '2h'], anonymous);
    expect((await trailersOf(repo, 'HEAD'))['Requested-By']).toEqual(['Test User']);
    await repo.git(['config', '--unset', 'user.name']);
    const run = await cli(['-C', repo.dir, 'schedule', 'set-interval', 'fraud-detector', '3h'], {
      ...anonymous,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    });
    expect(run.code).toBe(2);
    expect(run.err).toContain('pass --requested-by LOGIN');
  });
});
