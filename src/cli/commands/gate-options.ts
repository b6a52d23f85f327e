// The option tables of `tollgate gate ...` (spec.ts): what the parser accepts and help shows.
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const FACTS = {
  approve: {
    type: 'string',
    value: 'LOGIN[@REF]',
    multiple: true,
    description: 'an approval, at HEAD or at REF',
  },
  member: {
    type: 'string',
    value: 'ORG/TEAM=LOGIN,...',
    multiple: true,
    description: 'team members (:pending for an invitation)',
  },
  permission: { type: 'string', value: 'LOGIN=LEVEL', multiple: true, description: 'repository permissions' },
  'requested-by': {
    type: 'string',
    value: 'LOGIN',
    multiple: true,
    description: 'who requested the change (Requested-By)',
  },
} as const;

export const GATE_SIMULATE = commandSpec({
  name: 'gate simulate',
  summary: 'what the sign-off gate would conclude for BASE..HEAD with the approvals given, offline',
  positionals: [0, 0],
  options: {
    base: { type: 'string', value: 'REF', required: true, description: 'the pull request base' },
    head: { type: 'string', value: 'REF', required: true, description: 'the pull request head' },
    author: { type: 'string', value: 'LOGIN', description: 'the pull request author' },
    ...FACTS,
    'base-branch': { type: 'string', value: 'NAME', description: 'the base branch name' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate gate simulate --base main --head HEAD', 'which sign-offs HEAD still needs'],
    [
      'tollgate gate simulate --base main --head HEAD --approve alice --member acme/risk=alice',
      'would it pass with alice (of acme/risk) approving?',
    ],
  ],
});

export const GATE_RECORD_MERGE = commandSpec({
  name: 'gate record-merge',
  summary: 'write the merge record of a pull request merged locally, as the gate does for a GitHub merge',
  positionals: [0, 0],
  writes: true,
  options: {
    merge: { type: 'string', value: 'REF', required: true, description: 'the merge commit' },
    pr: { type: 'string', value: 'N', required: true, description: 'the pull request number' },
    'merged-by': { type: 'string', value: 'LOGIN', required: true, description: 'who merged it' },
    ...FACTS,
    'check-run': { type: 'string', value: 'ID=CONCLUSION[@TIME]', description: 'the gate check run' },
  },
  examples: [
    [
      'tollgate gate record-merge --merge HEAD --pr 12 --merged-by alice --approve bob',
      'record the sign-offs of a local merge',
    ],
  ],
});

export const GATE = commandSpec({
  name: 'gate',
  summary:
    'Simulate the sign-off gate offline (gate simulate --base REF --head REF [--approve LOGIN]...), or record a local merge (gate record-merge)',
  options: {},
  subcommands: [GATE_SIMULATE, GATE_RECORD_MERGE],
  examples: [...GATE_SIMULATE.examples, GATE_RECORD_MERGE.examples[0]!],
});
