# shellcheck shell=bash
# Progress for long build steps, shared by scripts/setup/bootstrap-pulumi.sh and
# tools/cluster/build.sh. Sourced, never run.
#
#   PROGRESS_SAY=my_log_function            # prints one line to the terminal (default: stderr)
#   PROGRESS_TIMINGS=/cache/last-timings    # "<step> <seconds>" per line, kept across runs
#   progress_step NAME LOG "what is built" CMD [ARG...]
#
# A step announces itself with what it builds and how long it took last time,
# sends everything CMD prints (go's "downloading" lines, compiler and pip
# output) to LOG, prints a line with the elapsed time every PROGRESS_EVERY
# seconds (30), and its duration at the end; a failing step prints LOG's tail.
# The duration lands in PROGRESS_LAST_SECONDS and in PROGRESS_TIMINGS, so the
# next run can say "last run 215 s". Returns CMD's exit status.

PROGRESS_EVERY="${PROGRESS_EVERY:-30}"

_progress_say() {
  if [[ -n "${PROGRESS_SAY:-}" ]]; then "$PROGRESS_SAY" "$*"; else printf '%s\n' "$*" >&2; fi
}

# progress_last NAME: the step's last measured seconds, or nothing.
progress_last() {
  [[ -n "${PROGRESS_TIMINGS:-}" && -f "$PROGRESS_TIMINGS" ]] || return 0
  awk -v s="$1" '$1 == s { v = $2 } END { if (v != "") print v }' "$PROGRESS_TIMINGS"
}

progress_record() { # NAME SECONDS
  [[ -n "${PROGRESS_TIMINGS:-}" ]] || return 0
  mkdir -p "$(dirname "$PROGRESS_TIMINGS")"
  { grep -v "^$1 " "$PROGRESS_TIMINGS" 2>/dev/null || true; echo "$1 $2"; } >"$PROGRESS_TIMINGS.$$"
  mv "$PROGRESS_TIMINGS.$$" "$PROGRESS_TIMINGS"
}

progress_step() {
  local name="$1" log="$2" what="$3" start=$SECONDS last_print=$SECONDS expect hint pid rc=0
  shift 3
  expect="$(progress_last "$name")"
  hint="${expect:+last run ${expect} s}"
  _progress_say "$name: ${what:+$what }(${hint:-no earlier run recorded}; log: $log)"
  mkdir -p "$(dirname "$log")"
  echo "=== $name $(date -u +%FT%TZ)" >>"$log"
  "$@" >>"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - last_print >= PROGRESS_EVERY)); then
      last_print=$SECONDS
      _progress_say "  $name: $((SECONDS - start)) s${hint:+ ($hint)}"
    fi
  done
  wait "$pid" || rc=$?
  PROGRESS_LAST_SECONDS=$((SECONDS - start))
  if ((rc != 0)); then
    tail -n 30 "$log" | sed 's/^/    /' >&2
    _progress_say "$name failed after $PROGRESS_LAST_SECONDS s (exit $rc); full log: $log"
    return "$rc"
  fi
  progress_record "$name" "$PROGRESS_LAST_SECONDS"
  _progress_say "$name: done in $PROGRESS_LAST_SECONDS s${hint:+ ($hint)}"
}
