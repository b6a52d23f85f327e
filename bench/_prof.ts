import { collectEvidence } from '../src/evidence/bundle.ts';
import { git } from '../src/git/run.ts';
const repo = '/tmp/tollgate-bench-evidence-v1-20000';
for (let k = 0; k < 4; k++) {
  let last = performance.now();
  const t0 = last;
  const marks: string[] = [];
  await collectEvidence(
    repo,
    { model: 'm07' },
    {
      onProgress: (m) => {
        const now = performance.now();
        marks.push(`${(now - last).toFixed(0)} ${m.slice(0, 20)}`);
        last = now;
      },
    },
  );
  const total = performance.now() - t0;
  const f0 = performance.now();
  await git(repo, ['log', '--', 'registry/models/m07/']);
  const floor = performance.now() - f0;
  console.log(total.toFixed(0), floor.toFixed(0), marks.join(' | '));
}
