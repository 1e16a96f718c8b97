#!/bin/sh
# `pulumi destroy` of MacGatewayNode: unloads the launchd job and removes what the
# install created: the entries its owner marker lists under the install root (releases,
# generations, the env file with the token, …), the marker, the root when it is then
# empty, and the plist. Nothing else: a file someone else put into the root stays, and
# so do the logs under ~/Library/Logs. Runs from $ROOT/bin, where install.sh left it.
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
marker="$ROOT/$OWNER_MARKER"
if [ "$here" != "$ROOT/bin" ] || [ ! -f "$marker" ]; then
  echo "openclaw-mac: refusing to remove $ROOT: it has no $OWNER_MARKER (or this uninstaller is not its bin/); nothing removed" >&2
  exit 1
fi
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
# Only the names the marker lists, each a plain entry directly under the root.
while IFS= read -r entry; do
  case "$entry" in
    '' | '#'* | */* | . | ..) continue ;;
  esac
  rm -rf "${ROOT:?}/$entry"
done <"$marker"
rm -f "$marker"
if rmdir "$ROOT" 2>/dev/null; then
  kept=""
else
  kept=" (kept $ROOT: it holds files the install did not create)"
fi
echo "OPENCLAW_MAC_RESULT action=uninstalled label=$LABEL logs=$LOG_FILE"
echo "openclaw-mac: uninstalled $LABEL$kept" >&2
