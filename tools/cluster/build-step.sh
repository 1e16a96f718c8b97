#!/usr/bin/env bash
# The build progress every cached cluster part uses (tools/cluster/build.sh and
# tools/cluster/ingress/build.sh): scripts/setup/progress.sh, with the last measured
# duration of each step kept in the cluster's build root so lines can say what to
# expect. Sourced after env.sh, with BUILD_LOG set; never run on its own.
# shellcheck source=../../scripts/setup/progress.sh
source "$CLUSTER_REPO/scripts/setup/progress.sh"
# shellcheck disable=SC2034 # read by progress.sh
PROGRESS_TIMINGS="$CLUSTER_BUILD_ROOT/last-timings"
# shellcheck disable=SC2034 # read by progress.sh
PROGRESS_SAY=cluster_log

# build_step NAME CMD...: runs CMD with its output in the build log, printing a
# progress line every 30 s; records the duration into STEP_TIMES and last-timings.
build_step() {
  local name="$1"
  shift
  progress_step "$name" "$BUILD_LOG" "building" "$@" || cluster_die "build step $name failed; full log: $BUILD_LOG"
  STEP_TIMES+=("\"$name\": $PROGRESS_LAST_SECONDS")
}
