#!/bin/sh
# launchd runs: /bin/sh env-wrapper.sh <env-file> <program> [args...]
#
# Secrets (the gateway token) live in a 0600 env file, never in the plist, which any
# process of the user can read through `launchctl print` (components/mac/README.md, "Facts", macOS / launchd).
# The file is parsed as KEY=value lines, never sourced, so a value cannot run code.
# exec keeps the pid launchd sees equal to the gateway's, which the single-instance
# check in install.sh relies on.
set -eu

if [ "$#" -lt 2 ]; then
  echo "env-wrapper: usage: env-wrapper.sh <env-file> <program> [args...]" >&2
  exit 64
fi
envfile=$1
shift

if [ -f "$envfile" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      '' | '#'*) continue ;;
      *=*) ;;
      *)
        echo "env-wrapper: ignoring a line without '=' in $envfile" >&2
        continue
        ;;
    esac
    key=${line%%=*}
    value=${line#*=}
    case "$key" in
      '' | [0-9]* | *[!A-Za-z0-9_]*)
        echo "env-wrapper: ignoring an invalid variable name in $envfile" >&2
        continue
        ;;
    esac
    export "$key=$value"
  done <"$envfile"
fi

exec "$@"
