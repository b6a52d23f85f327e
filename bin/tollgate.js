#!/usr/bin/env node
// The `tollgate` command. It checks the Node.js version before it loads the CLI bundle, so an old Node prints one
// line instead of a syntax error or a stack trace from code it cannot run. For that this file must parse on old
// versions too: no static import (it would load before the check), nothing newer than ES2017.
const MINIMUM_NODE_MAJOR = 22; // package.json "engines"; tests/package/pack.test.ts keeps them equal
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= MINIMUM_NODE_MAJOR)) {
  process.stderr.write(
    'tollgate: needs Node.js ' +
      MINIMUM_NODE_MAJOR +
      ' or newer, this is ' +
      process.version +
      ': install a current LTS release (https://nodejs.org/en/download)\n',
  );
  process.exitCode = 3;
} else {
  // The bundle (cli/dist, built by `npm run bundle`) sits in the package next to this file, installed or not.
  import('../cli/dist/index.js');
}
