#!/usr/bin/env bash
# Writes a one-layer OCI image layout as a tar that `ctr images import` takes,
# byte-for-byte the same on every run (fixed mtimes, owners and order, gzip
# without a name or time), so the image's digest is stable. Prints the
# manifest digest (sha256:...).
#
#   bash oci-image.sh ROOTFS_DIR OUT.tar NAME:TAG ENTRYPOINT UID
set -euo pipefail
root="${1:?rootfs dir}" out="${2:?output tar}" ref="${3:?name:tag}" entry="${4:?entrypoint}" uid="${5:?uid}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
blobs="$work/layout/blobs/sha256"
mkdir -p "$blobs"

det_tar() { # det_tar DIR OUT: a tar that depends only on the files' contents and modes
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$1" -cf "$2" .
}
blob() { # blob FILE: moves FILE into the blob store, prints its digest and size
  local d s
  d="$(sha256sum "$1" | cut -d' ' -f1)"
  s="$(stat -c %s "$1")"
  mv "$1" "$blobs/$d"
  echo "sha256:$d $s"
}

chmod 0755 "$root" # the layer's root entry carries this mode
det_tar "$root" "$work/layer.tar"
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
gzip -n -9 "$work/layer.tar"
read -r layer_digest layer_size < <(blob "$work/layer.tar.gz")

printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","Entrypoint":["%s"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$uid" "$entry" "$diff_id" >"$work/config.json"
read -r config_digest config_size < <(blob "$work/config.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest.json"
read -r manifest_digest manifest_size < <(blob "$work/manifest.json")

# Two names for the one manifest: NAME:TAG, and NAME@DIGEST. The CRI plugin of
# containerd 1.6 does not resolve a digest reference to an imported image by
# itself (the pod fails with ErrImageNeverPull); an image stored under the
# digest name is found.
desc="\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$manifest_digest\",\"size\":$manifest_size"
printf '{"schemaVersion":2,"manifests":[{%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}},{%s,"annotations":{"io.containerd.image.name":"%s@%s"}}]}' \
  "$desc" "$ref" "${ref##*:}" "$desc" "${ref%:*}" "$manifest_digest" >"$work/layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
find "$work/layout" -exec touch -h -d @0 {} +
det_tar "$work/layout" "$out"
echo "$manifest_digest"
