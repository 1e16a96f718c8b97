#!/usr/bin/env bash
# Certificates of the local cluster: one CA (ECDSA P-256, valid 30 days; a new
# one on every cluster:up), a serving certificate for the API server, etcd and
# the kubelet, a client certificate per component, and the service-account key.
#   bash pki.sh DIR
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
dir="${1:?pki dir}"
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }

openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=openclaw-dev-ca" -out ca.crt 2>/dev/null

# cert NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
cert() {
  local name="$1" subj="$2" eku="$3" san="${4:-}"
  key "$name"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n "$san" ]] && echo "subjectAltName=$san"
  } >"$name.ext"
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -sha256 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

svc="kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
cert apiserver "/CN=kube-apiserver" serverAuth "IP:$CLUSTER_NODE_IP,IP:$CLUSTER_API_SERVICE_IP,IP:127.0.0.1,DNS:$svc"
cert etcd "/CN=etcd" serverAuth,clientAuth "IP:127.0.0.1"
cert kubelet-serving "/CN=$CLUSTER_NODE_NAME" serverAuth "IP:$CLUSTER_NODE_IP,DNS:$CLUSTER_NODE_NAME"
cert apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
cert admin "/O=system:masters/CN=openclaw-dev-admin" clientAuth
cert controller-manager "/CN=system:kube-controller-manager" clientAuth
cert scheduler "/CN=system:kube-scheduler" clientAuth
cert kubelet "/O=system:nodes/CN=system:node:$CLUSTER_NODE_NAME" clientAuth
cert kube-proxy "/CN=system:kube-proxy" clientAuth
cert enforcer "/CN=openclaw:network-policy-enforcer" clientAuth
openssl ecparam -name prime256v1 -genkey -noout -out sa.key
openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
rm -f ca.srl
