#!/usr/bin/env bash
# Provisions the real OpenClaw gateway as a test fixture (docs/facts.md §1: never a
# dependency of the program; its preinstall refuses Node 20 and would break
# `npm ci`). Installs the pinned release from the committed lockfile
# test/fixtures/gateway/package-lock.json (integrity hashes recorded) with
# `npm ci` into a cache dir, and reuses that dir while the lockfile is unchanged.
#
#   npm run fetch:gateway            # or: bash scripts/setup/fetch-gateway.sh
#   prints the gateway entry point (…/node_modules/openclaw/openclaw.mjs) on stdout
#
# Env: OPENCLAW_INFRA_CACHE (default $HOME/.cache/openclaw-gateway-infra).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixture="$repo/test/fixtures/gateway"
version="$(sed -n 's/.*"openclaw": *"\([^"]*\)".*/\1/p' "$fixture/package.json" | head -1)"
[ -n "$version" ] || { echo "fetch-gateway: no openclaw version pinned in $fixture/package.json" >&2; exit 1; }
cache="${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}"
dest="$cache/gateway/$version"
entry="$dest/node_modules/openclaw/openclaw.mjs"

# The gateway needs Node >=24.16 <25. Outside `npm run` the system node may be 20:
# put the project's own Node 24 (devDependency `node`) first on PATH.
if [ -x "$repo/node_modules/.bin/node" ]; then
  export PATH="$repo/node_modules/.bin:$PATH"
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" != "24" ]; then
  echo "fetch-gateway: need Node 24 (found $(node --version)); run 'npm ci' in $repo first" >&2
  exit 1
fi

lock_sum="$(sha256sum "$fixture/package-lock.json" | cut -d' ' -f1)"
stamp="$dest/.fixture-lock.sha256"
if [ -f "$entry" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  echo "fetch-gateway: openclaw@$version cached in $dest" >&2
  echo "$entry"
  exit 0
fi

echo "fetch-gateway: installing openclaw@$version into $dest (npm ci, ~30 s warm)" >&2
mkdir -p "$dest"
rm -f "$stamp"
cp "$fixture/package.json" "$fixture/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2)

installed="$(node -p "require('$dest/node_modules/openclaw/package.json').version")"
if [ "$installed" != "$version" ]; then
  echo "fetch-gateway: installed openclaw $installed, expected $version" >&2
  exit 1
fi
[ -f "$entry" ] || { echo "fetch-gateway: $entry missing after install" >&2; exit 1; }
echo "$lock_sum" > "$stamp"
echo "$entry"
