# shellcheck shell=bash
# The releases image:build knows, each installed from a committed lockfile (integrity
# hashes recorded), so the dependency tree — and with it the image digest — is pinned.
# The first is the current release (the stacks' image.release), the second the previous
# one, kept so a real rollback can be exercised on the dev cluster.
# shellcheck disable=SC2034  # read by build.sh
IMAGE_RELEASES=(2026.9.6 2026.9.5)
# shellcheck disable=SC2034
declare -A IMAGE_LOCKFILES=(
  [2026.9.6]=test/fixtures/gateway
  [2026.9.5]=test/fixtures/mac/releases/2026.9.5
)
# shellcheck disable=SC2034
IMAGE_REPO=localhost/openclaw/openclaw
# shellcheck disable=SC2034
IMAGE_NODE_VERSION=24.21.0
