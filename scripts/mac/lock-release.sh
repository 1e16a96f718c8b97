#!/bin/sh
# Records the npm lockfile of an OpenClaw release for the Mac's native mode (runbook
# matrix: "checksum + lockfiles"): components/mac/releases/<release>/package.json and
# package-lock.json, whose integrity hashes npm ci on the Mac verifies. Commit both.
#   npm run mac:lock -- 2026.9.6
set -eu
release=${1:?usage: npm run mac:lock -- <release, e.g. 2026.9.6>}
case "$release" in
  [0-9][0-9][0-9][0-9].[0-9]*.[0-9]*) ;;
  *)
    echo "mac:lock: \"$release\" is not an OpenClaw release version such as 2026.9.6" >&2
    exit 1
    ;;
esac
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir="$repo/components/mac/releases/$release"
mkdir -p "$dir"
cat >"$dir/package.json" <<JSON
{
  "name": "openclaw-gateway-release",
  "version": "$release",
  "private": true,
  "description": "The OpenClaw gateway release $release as installed on the Mac contrast node (npm ci from the lockfile beside this file).",
  "dependencies": {
    "openclaw": "$release"
  }
}
JSON
rm -f "$dir/package-lock.json"
# Resolution only: no install scripts run and nothing is downloaded but metadata.
(cd "$dir" && PATH="$repo/node_modules/.bin:$PATH" npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error)
n=$(grep -c '"integrity"' "$dir/package-lock.json")
echo "mac:lock: recorded openclaw@$release with $n integrity hashes in $dir" >&2
