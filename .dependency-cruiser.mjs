// The layering rules (docs/architecture.md), checked by `npm run lint`:
// decisions are pure (no git, GitHub, file system or child processes); capability folders never reach up into
// the faces (src/actions, src/cli); and nothing imports itself round a circle.
/** The pure decisions: gate verdict, severity classification, scheduler transitions and plan, promotion and
 * rollback plans, the semantic diff. Each is a function of plain data, table-tested. */
const DECISIONS = [
  '^src/gate/(evaluate|requirements|signoffs|eligibility|render|types|check-runs|self-guard|invisible|target)[.]ts$',
  '^src/incident/(severity|assess|request|response|channels)[.]ts$',
  '^src/scheduler/(schedule|plan)[.]ts$',
  '^src/promotion/(plan|check|body)[.]ts$',
  '^src/rollback/target[.]ts$',
  '^src/init/(plan|upgrade|release|rulesets|next-steps)[.]ts$',
  '^src/registry/diff[.]ts$',
  '^src/policy/(effective|gates)[.]ts$',
  '^src/doctor/(analyze|workflows|codeowners|findings|render)[.]ts$',
  '^src/publish/state-merge[.]ts$',
  '^src/monitor/(rules|window|metrics-json|alertmanager|canary|health)[.]ts$',
];

export default {
  forbidden: [
    {
      name: 'decisions-are-pure',
      comment:
        'A decision imports no git, GitHub, node:fs or node:child_process, directly or through another module: ' +
        'its flow reads what it needs through the ports and hands it plain data.',
      severity: 'error',
      from: { path: DECISIONS },
      to: {
        reachable: true,
        path: [
          '^src/git/',
          '^src/github/',
          '^src/publish/',
          '^node_modules/@octokit/',
          '^node_modules/@actions/',
          '^(node:)?(fs|fs/promises|child_process)$',
        ],
      },
    },
    {
      name: 'capabilities-never-import-faces',
      comment: 'Flows and decisions live in capability folders and never import an action or a CLI command.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(actions|cli)/' },
      to: { path: '^src/(actions|cli)/' },
    },
    {
      name: 'no-circular',
      comment: 'No module imports itself round a circle.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports vanish at compile time: a decision may name a port's types without doing its I/O.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
