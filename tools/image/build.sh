#!/usr/bin/env bash
# npm run image:build [-- [--release <YYYY.M.D>]... [--no-import] [--rebuild] [--verify]]
#   --verify  build each release a second time from scratch (fresh npm ci, fresh layout,
#             a temporary cache) and fail unless the manifest digest is the same
#
# Builds the OpenClaw gateway image locally, without a registry and without
# Docker, from the pinned npm `openclaw` release on Node 24, laid out like the
# upstream image:
#   /app                    the openclaw package (dist/, package.json) with its
#                           dependency tree in /app/node_modules
#   /usr/local/bin/node     Node 24.21.0 from the npm package node@24.21.0
#   /lib*, /usr/lib*        the shared libraries ldd finds for node and the
#                           native addons (copied from this machine)
#   /etc/passwd, /etc/group root and node (uid/gid 1000), HOME /home/node
#   entry                   node /app/dist/index.js, user 1000:1000
# written as an OCI image layout with one gzip layer. Every input is pinned
# (the release's committed package-lock.json, the node package, the libraries'
# bytes) and every output normalised (names sorted, mtimes 0, owners numeric,
# gzip without name or time), so the same inputs give the same digest.
#
# Cached outside the repo, keyed by every input:
#   ${OPENCLAW_INFRA_CACHE:-~/.cache/openclaw-gateway-infra}/image/<release>-<key>/
#     oci/            the OCI layout (index.json, oci-layout, blobs/sha256/…)
#     image.tar       the same layout as one tar (what `ctr images import` reads)
#     ref             localhost/openclaw/openclaw:<release>@sha256:<manifest digest>
# With a running cluster (npm run cluster:up) each image is imported into the
# cluster's containerd (namespace k8s.io) unless --no-import.
#
# Output: one line per release on stdout, `<release> <ref>`; progress on stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=releases.sh
source "$here/releases.sh"

cache_root="${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}/image"
releases=()
do_import=1
rebuild=0
verify=0
print_key=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --release) [[ $# -ge 2 ]] || { echo "image:build: --release needs a value, one of: ${!IMAGE_LOCKFILES[*]}" >&2; exit 2; }; releases+=("$2"); shift 2 ;;
    --no-import) do_import=0; shift ;;
    --rebuild) rebuild=1; shift ;;
    --verify) verify=1; shift ;;
    --print-key) print_key=1; shift ;;
    --cache-dir) cache_root="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "image:build: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ ${#releases[@]} -gt 0 ]] || releases=("${IMAGE_RELEASES[@]}")

t0=$SECONDS
say() { printf 'image:build [%3ds] %s\n' "$((SECONDS - t0))" "$*" >&2; }

node_bin="$repo/node_modules/node/bin/node"
[[ -x "$node_bin" ]] || { echo "image:build: $node_bin missing: run 'npm ci' first (node@24.21.0 is a devDependency)" >&2; exit 1; }
node_version="$("$node_bin" --version)"
[[ "$node_version" == "v$IMAGE_NODE_VERSION" ]] || { echo "image:build: node_modules has Node $node_version, expected v$IMAGE_NODE_VERSION (package.json devDependency node)" >&2; exit 1; }
# npm ci of the gateway runs its install scripts on Node 24 (its preinstall refuses 20).
export PATH="$repo/node_modules/.bin:$PATH"
for tool in tar gzip sha256sum ldd strip; do
  command -v "$tool" >/dev/null || { echo "image:build: $tool is not on PATH (Debian: tar gzip coreutils libc-bin binutils)" >&2; exit 1; }
done

# Shared libraries of an ELF file that ldd resolves (absolute paths), one per line.
elf_libs() {
  ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) (0x.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p'
}

# JSON without whitespace, keys in the order written: the digest is over these bytes.
json() { "$node_bin" -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(0,"utf8"))))'; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

add_blob() { # file media-type → prints the descriptor {mediaType,digest,size}; moves the file into blobs/
  local file="$1" media="$2" digest size
  digest="$(sha "$file")"
  size="$(stat -c %s "$file")"
  mv "$file" "$oci/blobs/sha256/$digest"
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$media" "$digest" "$size"
}

# The cache key: every input of the image, hashed. The layout code is hashed as bash
# itself prints it (declare -f), so comments and the option parsing do not count.
image_key() {
  local release="$1" lockdir="$2"
  {
    declare -f build_release elf_libs json add_blob | sha256sum | cut -d' ' -f1
    sha256sum "$here/releases.sh" "$lockdir/package.json" "$lockdir/package-lock.json" | cut -d' ' -f1
    sha "$node_bin"
    # The libraries are inputs too: node's own here; the addons' follow from the lockfile.
    for l in $(elf_libs "$node_bin"); do sha "$l"; done
    tar --version | head -1
    gzip --version | head -1
    echo "$IMAGE_REPO $release"
  } | sha256sum | cut -c1-16
}

build_release() {
  local release="$1" lockdir="${IMAGE_LOCKFILES[$1]:-}"
  [[ -n "$lockdir" ]] || { echo "image:build: unknown release $release; known: ${!IMAGE_LOCKFILES[*]} (tools/image/releases.sh)" >&2; exit 2; }
  lockdir="$repo/$lockdir"
  local pinned
  pinned="$("$node_bin" -p "require('$lockdir/package.json').dependencies.openclaw")"
  [[ "$pinned" == "$release" ]] || { echo "image:build: $lockdir/package.json pins openclaw $pinned, not $release" >&2; exit 1; }

  local key
  key="$(image_key "$release" "$lockdir")"
  local dest="$cache_root/$release-$key"
  if [[ $rebuild -eq 0 && -f "$dest/ref" ]]; then
    say "$release: cached in $dest"
    echo "$release $(cat "$dest/ref")"
    return
  fi

  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/openclaw-image-$release.XXXXXX")"
  # shellcheck disable=SC2064  # expand now: the trap must remove this build's dir
  trap "rm -rf '$work'" RETURN
  umask 022

  say "$release: npm ci from $(realpath --relative-to="$repo" "$lockdir")/package-lock.json"
  mkdir -p "$work/install"
  cp "$lockdir/package.json" "$lockdir/package-lock.json" "$work/install/"
  (cd "$work/install" && SOURCE_DATE_EPOCH=0 npm ci --no-audit --no-fund --loglevel=error >&2)
  local got
  got="$("$node_bin" -p "require('$work/install/node_modules/openclaw/package.json').version")"
  [[ "$got" == "$release" ]] || { echo "image:build: npm ci installed openclaw $got, expected $release" >&2; exit 1; }

  say "$release: laying out the root filesystem"
  local root="$work/rootfs"
  mkdir -p "$root/usr/local/bin" "$root/etc" "$root/home/node" "$root/tmp"
  # /app is the package; its dependencies (hoisted by npm) join its own node_modules, so
  # node resolves /app/dist/* → /app/node_modules like in the upstream image.
  mv "$work/install/node_modules/openclaw" "$root/app"
  mkdir -p "$root/app/node_modules"
  local entry
  for entry in "$work/install/node_modules"/* "$work/install/node_modules"/.[!.]*; do
    [[ -e "$entry" || -L "$entry" ]] || continue
    local name
    name="$(basename "$entry")"
    if [[ -e "$root/app/node_modules/$name" ]]; then
      # Only .bin can exist in both; nothing at run time uses it.
      [[ "$name" == ".bin" ]] || { echo "image:build: $name is both hoisted and nested under openclaw; cannot merge the trees" >&2; exit 1; }
      rm -rf "$entry"
      continue
    fi
    mv "$entry" "$root/app/node_modules/$name"
  done
  # Links into a tree that no longer exists (node_modules/.bin/openclaw → ../openclaw/…).
  find "$root/app/node_modules" -xtype l -delete

  # Node, without its debug sections (same code, a third of the size; strip is deterministic).
  strip --strip-debug -o "$root/usr/local/bin/node" "$node_bin"
  chmod 0755 "$root/usr/local/bin/node"
  local libs=() f
  mapfile -t libs < <({
    elf_libs "$node_bin"
    find "$root/app" -name '*.node' -type f -print0 | while IFS= read -r -d '' f; do elf_libs "$f"; done
  } | LC_ALL=C sort -u)
  for f in "${libs[@]}"; do
    # Copy to the path ldd resolved and to the canonical one (Debian's /lib is a link to /usr/lib).
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
  done
  # The interpreter the ELF header names.
  mkdir -p "$root/lib64"
  [[ -e "$root/lib64/ld-linux-x86-64.so.2" ]] || cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
  "$root/lib64/ld-linux-x86-64.so.2" --library-path "$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu" "$root/usr/local/bin/node" --version >/dev/null \
    || { echo "image:build: the copied node does not run with the copied libraries" >&2; exit 1; }

  printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/home/node:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp"
  chmod 0755 "$root/home/node"
  printf '%s\n' "$release" >"$root/app/.openclaw-image-release"

  say "$release: layer (tar + gzip -n, deterministic)"
  local tarflags=(--format=gnu --sort=name --mtime=@0 --numeric-owner --no-acls --no-xattrs --no-selinux)
  # Everything root-owned except the node user's home, as in the upstream image.
  tar "${tarflags[@]}" --owner=0 --group=0 --exclude=./home/node -C "$root" -cf "$work/layer.tar" .
  tar "${tarflags[@]}" --owner=1000 --group=1000 -C "$root" -rf "$work/layer.tar" ./home/node
  local diff_id
  diff_id="$(sha "$work/layer.tar")"
  gzip -n -6 <"$work/layer.tar" >"$work/layer.tar.gz"
  rm -f "$work/layer.tar"

  local tmp="$work/oci.tmp"
  oci="$tmp"
  mkdir -p "$oci/blobs/sha256"
  local layer_desc config_desc manifest_desc
  layer_desc="$(add_blob "$work/layer.tar.gz" application/vnd.oci.image.layer.v1.tar+gzip)"
  json >"$work/config.json" <<EOF
{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux",
 "config":{"User":"1000:1000","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","HOME=/home/node","NODE_ENV=production"],
   "Entrypoint":["node","/app/dist/index.js"],"WorkingDir":"/app",
   "Labels":{"org.opencontainers.image.title":"openclaw","org.opencontainers.image.version":"$release","org.opencontainers.image.source":"npm:openclaw@$release","ai.openclaw.node":"$node_version"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"openclaw-gateway-infra tools/image/build.sh: npm ci openclaw@$release, node $node_version"}]}
EOF
  config_desc="$(add_blob "$work/config.json" application/vnd.oci.image.config.v1+json)"
  json >"$work/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":$config_desc,"layers":[$layer_desc],
 "annotations":{"org.opencontainers.image.version":"$release"}}
EOF
  manifest_desc="$(add_blob "$work/manifest.json" application/vnd.oci.image.manifest.v1+json)"
  local digest
  digest="$("$node_bin" -p "JSON.parse(process.argv[1]).digest" "$manifest_desc")"
  local named="$IMAGE_REPO:$release"
  # Two names for one manifest: the tag, and the digest reference pods use. The digest is over
  # the manifest, not index.json, so naming it here does not change it.
  json >"$oci/index.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
 ${manifest_desc%\}},"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"$named","org.opencontainers.image.ref.name":"$release"}},
 ${manifest_desc%\}},"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"$IMAGE_REPO@$digest"}}]}
EOF
  printf '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
  find "$oci" -exec touch -h -d @0 {} +
  tar "${tarflags[@]}" --owner=0 --group=0 -C "$oci" -cf "$work/image.tar" .

  rm -rf "$dest"
  mkdir -p "$dest"
  mv "$oci" "$dest/oci"
  mv "$work/image.tar" "$dest/image.tar"
  echo "$named@$digest" >"$dest/ref"
  say "$release: $(du -m "$dest/image.tar" | cut -f1) MB, $named@$digest"
  echo "$release $named@$digest"
}

# containerd of the cluster (npm run cluster:status prints CONTAINERD_ADDRESS=…), when one runs.
import_release() {
  local release="$1" address="$2" dest
  dest="$(dirname "$(grep -l "^$IMAGE_REPO:$release@" "$cache_root"/"$release"-*/ref | head -1)")"
  say "$release: importing into containerd at $address (namespace k8s.io)"
  ctr --address "$address" -n k8s.io images import --platform linux/amd64 "$dest/image.tar" >&2
}

if [[ $print_key -eq 1 ]]; then
  for r in "${releases[@]}"; do echo "$r $(image_key "$r" "$repo/${IMAGE_LOCKFILES[$r]}")"; done
  exit 0
fi

out=()
for r in "${releases[@]}"; do
  line="$(build_release "$r")"
  out+=("$line")
done
printf '%s\n' "${out[@]}"

if [[ $verify -eq 1 ]]; then
  for line in "${out[@]}"; do
    read -r r ref <<<"$line"
    scratch="$(mktemp -d "${TMPDIR:-/tmp}/openclaw-image-verify.XXXXXX")"
    say "$r: verify: rebuilding from scratch in $scratch"
    again="$(bash "${BASH_SOURCE[0]}" --release "$r" --no-import --rebuild --cache-dir "$scratch" | cut -d' ' -f2)"
    rm -rf "$scratch"
    if [[ "$again" != "$ref" ]]; then
      echo "image:build: NOT deterministic: $r built as $ref, then as $again" >&2
      exit 1
    fi
    say "$r: verify: identical digest on a rebuild from scratch (${ref##*@})"
  done
fi

if [[ $do_import -eq 1 ]]; then
  address="$(bash "$here/containerd-address.sh" || true)"
  if [[ -z "$address" ]]; then
    say "no running cluster (npm run cluster:up); images not imported"
  else
    command -v ctr >/dev/null || { echo "image:build: ctr is not on PATH (Debian package containerd)" >&2; exit 1; }
    for r in "${releases[@]}"; do import_release "$r" "$address"; done
  fi
fi
