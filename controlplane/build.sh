#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the
# KWOK node simulator from the Go module proxy into a cache folder keyed by the
# Kubernetes version and a hash of the modules and wrappers, so only the first
# run pays. Prints progress on stderr and, last, the bin folder on
# stdout. Nothing here downloads a prebuilt binary: everything is compiled.
#
#   controlplane/build.sh            build if needed, print the bin folder
#   OPERON_CACHE_DIR=...             cache root (default: ~/.cache/operon)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

k8s_version=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' go.mod)
[ -n "$k8s_version" ] || k8s_version=$(sed -n 's/^\tk8s.io\/kubernetes \(v[0-9.]*\).*/\1/p' go.mod | head -n1)
if [ -z "$k8s_version" ]; then
  echo "controlplane/build.sh: cannot find the k8s.io/kubernetes version in go.mod" >&2
  exit 2
fi
sum_hash=$(cat go.mod go.sum cmd/*/main.go kwok/go.mod kwok/go.sum kwok/*.yaml | sha256sum | cut -c1-12)
cache_root=${OPERON_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/operon}
out="$cache_root/controlplane/$k8s_version-$sum_hash"
bins=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok operon-pki)
kwok_version=$(awk '$1 == "sigs.k8s.io/kwok" {print $2; exit}' kwok/go.mod)

have_all() {
  for b in "${bins[@]}"; do [ -x "$out/bin/$b" ] || return 1; done
  [ -s "$out/bin/kwok-stages.yaml" ]
}
if have_all; then
  echo "$out/bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "controlplane/build.sh: Go is not installed. The local control plane is compiled from" >&2
  echo "  Go modules; install Go >= 1.26, or point KUBECONFIG at an existing cluster instead." >&2
  exit 3
fi

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-trimpath -mod=readonly"
minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$k8s_version \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z \
 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version \
 -X k8s.io/client-go/pkg/version.gitMajor=1 \
 -X k8s.io/client-go/pkg/version.gitMinor=$minor"

log() { echo "[controlplane] $*" >&2; }
log "building Kubernetes $k8s_version control plane and KWOK $kwok_version into $out (first run only; ~10 min on 2 cores)"
log "downloading modules..."
go mod download
(cd kwok && go mod download)
# Packages shared by both modules are compiled twice only when their versions differ.
total=$(( $(go list -deps ./cmd/... | wc -l) + $(cd kwok && go list -deps sigs.k8s.io/kwok/cmd/kwok | wc -l) ))
log "compiling $total packages (already-cached packages are skipped)"

tmp="$out.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
# `go build -v` names each package as it is compiled: count them for progress.
# KWOK is its own module (it pins older k8s.io/* libraries); it builds second.
{
  go build -v -p "$(nproc)" -ldflags "$ldflags" -o "$tmp/bin/" ./cmd/... 2>&1 || echo "#exit control plane $?"
  (cd kwok && go build -v -p "$(nproc)" -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version" \
    -o "$tmp/bin/" sigs.k8s.io/kwok/cmd/kwok 2>&1) || echo "#exit kwok $?"
} | {
  n=0; last=-1; failed=0
  while IFS= read -r line; do
    case "$line" in
      "#exit "*) echo "$line" >&2; failed=1; continue ;;
      \#*|*.go:*|*": "*) echo "$line" >&2; continue ;;
    esac
    n=$((n + 1))
    pct=$((n * 100 / total)); [ $pct -gt 99 ] && pct=99
    if [ $((pct / 5)) -ne $((last / 5)) ]; then
      log "$pct% ($n/$total packages, $(( $(date +%s) - start ))s)"; last=$pct
    fi
  done
  exit $failed
} || status=$?
if [ "${status:-0}" -ne 0 ]; then
  log "go build failed"
  exit 1
fi
for b in "${bins[@]}"; do [ -x "$tmp/bin/$b" ] || { log "missing $b after build"; exit 1; }; done
# KWOK v0.8.0 has no built-in stages (only kwokctl injects them). Its module ships them as YAML:
# the "fast" node and Pod stages, with our graceful pod-delete instead of the instant one.
stages=$(cd kwok && go mod download -json "sigs.k8s.io/kwok@$kwok_version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/kustomize/stage
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml; do
  cat "$stages/$f"; echo "---"
done > "$tmp/bin/kwok-stages.yaml"
cat kwok/pod-delete-graceful.yaml >> "$tmp/bin/kwok-stages.yaml"
rm -rf "$out"; mkdir -p "$(dirname "$out")"; mv "$tmp" "$out"
# Older builds (other versions or go.sum) are dead weight of ~250 MB each.
find "$(dirname "$out")" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$out")" ! -name "*.tmp.*" -exec rm -rf {} +
trap - EXIT
log "done in $(( $(date +%s) - start ))s: $(du -sh "$out/bin" | cut -f1)"
echo "$out/bin"
