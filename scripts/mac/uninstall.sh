#!/bin/sh
# `pulumi destroy` of MacGatewayNode: unloads the launchd job and removes the install
# (releases, generations, env file with the token, plist), keeping the logs under
# ~/Library/Logs. Runs from $ROOT/bin, where install.sh left it with its manifest.
#   /bin/sh <root>/bin/uninstall.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/manifest.env" ]; then
  echo "openclaw-mac: nothing to uninstall (no manifest beside $0)" >&2
  exit 0
fi
# shellcheck source=/dev/null
. "$here/manifest.env"
PATH="$PATH:/usr/bin:/bin:/usr/sbin:/sbin"
export PATH

[ "$(id -u)" -ne 0 ] || {
  echo "openclaw-mac: refusing to run as root" >&2
  exit 1
}
service="$DOMAIN_KIND/$(id -u)/$LABEL"

# a zombie is dead: it holds nothing (ps -o stat= works on macOS and Linux)
alive() {
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  case "$st" in '' | Z*) return 1 ;; esac
}
lock="$ROOT/.install.lock"
if ! mkdir "$lock" 2>/dev/null; then
  holder=$(cat "$lock/pid" 2>/dev/null || true)
  if [ -n "$holder" ] && alive "$holder"; then
    echo "openclaw-mac: an install (pid $holder) is running; destroy again when it has finished" >&2
    exit 1
  fi
fi

if launchctl print "$service" >/dev/null 2>&1; then
  launchctl bootout "$service" || {
    echo "openclaw-mac: launchctl bootout $service failed; nothing removed" >&2
    exit 1
  }
fi
launchctl disable "$service" 2>/dev/null || true
rm -f "$PLIST_PATH"
case "$ROOT" in
  /*/*) rm -rf "$ROOT" ;;
  *)
    echo "openclaw-mac: refusing to remove suspicious install root '$ROOT'" >&2
    exit 1
    ;;
esac
echo "OPENCLAW_MAC_RESULT action=uninstalled label=$LABEL logs=$LOG_FILE"
