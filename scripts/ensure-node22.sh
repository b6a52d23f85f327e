#!/bin/sh
# Puts a real Node.js 22 (the oldest line the CLI supports) at node_modules/.cache/tollgate-node22, from the npm
# registry's `node` package, for tests/package/pack.test.ts. It is not a devDependency because that package's
# `node` bin would compete with Node 24's in node_modules/.bin, which every `npm run` script relies on.
set -eu
cd "$(dirname "$0")/.."
dir=node_modules/.cache/tollgate-node22
bin="$dir/node_modules/node/bin/node"
if [ -x "$bin" ] && "$bin" -e 'process.exit(process.versions.node.split(".")[0] === "22" ? 0 : 1)'; then
  echo "node 22: $("$bin" --version)"
  exit 0
fi
mkdir -p "$dir"
# The `node` package downloads its binary in a preinstall script; say that it may run.
printf '{ "private": true, "allowScripts": { "node": true } }\n' > "$dir/package.json"
npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund node@22 >&2
echo "node 22: $("$bin" --version)"
