#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from the Go module proxy
# into a cache folder keyed by the Kubernetes version and a hash of go.sum, so
# only the first run pays. Prints progress on stderr and, last, the bin folder on
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
sum_hash=$(cat go.mod go.sum cmd/*/main.go | sha256sum | cut -c1-12)
cache_root=${OPERON_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/operon}
out="$cache_root/controlplane/$k8s_version-$sum_hash"
bins=(etcd kube-apiserver kube-controller-manager operon-pki)

have_all() { for b in "${bins[@]}"; do [ -x "$out/bin/$b" ] || return 1; done; }
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
log "building Kubernetes $k8s_version control plane into $out (first run only; ~15-30 min on 2 cores)"
log "downloading modules..."
go mod download
total=$(go list -deps ./cmd/... | wc -l)
log "compiling $total packages (already-cached packages are skipped)"

tmp="$out.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
# `go build -v` names each package as it is compiled: count them for progress.
go build -v -p "$(nproc)" -ldflags "$ldflags" -o "$tmp/bin/" ./cmd/... 2>&1 | {
  n=0; last=-1
  while IFS= read -r line; do
    case "$line" in
      \#*|*.go:*|*": "*) echo "$line" >&2; continue ;;
    esac
    n=$((n + 1))
    pct=$((n * 100 / total)); [ $pct -gt 99 ] && pct=99
    if [ $((pct / 5)) -ne $((last / 5)) ]; then
      log "$pct% ($n/$total packages, $(( $(date +%s) - start ))s)"; last=$pct
    fi
  done
}
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  log "go build failed (exit $status)"
  exit "$status"
fi
for b in "${bins[@]}"; do [ -x "$tmp/bin/$b" ] || { log "missing $b after build"; exit 1; }; done
rm -rf "$out"; mkdir -p "$(dirname "$out")"; mv "$tmp" "$out"
# Older builds (other versions or go.sum) are dead weight of ~250 MB each.
find "$(dirname "$out")" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$out")" ! -name "*.tmp.*" -exec rm -rf {} +
trap - EXIT
log "done in $(( $(date +%s) - start ))s: $(du -sh "$out/bin" | cut -f1)"
echo "$out/bin"
