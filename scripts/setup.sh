#!/usr/bin/env bash
# One-time (idempotent) set-up: apt packages for this OS release (scripts/os_packages.sh: Debian 12/13,
# Ubuntu 24.04+; on Ubuntu 20.04/22.04, the JetPack releases, it stops naming what they lack), then
# ONNX Runtime from npm, pinned by version and verified against the npm registry's sha512 checksum.
# Re-running is quick: nothing is installed or downloaded when it is already present.
#   --tests     also what only the tests need (scripts/test.sh, CI)
#   --no-plots  without PLplot, for a build with -DQBENCH_PLOTS=OFF (saves ~200 desktop packages)
#   --ort-only  only the pinned ONNX Runtime (scripts/cross_aarch64.sh)
#   QBENCH_OS_RELEASE=FILE reads another os-release file (tests)
#   QBENCH_ORT_ARCH=x64|arm64 and QBENCH_ORT_DIR=DIR: which build of the library, and where
#   (default: this machine's, in third_party/onnxruntime)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/os_packages.sh"

opts=()
ort_only=0
for a in "$@"; do
  case "$a" in
    --tests|--no-plots) opts+=("$a") ;;
    --ort-only) ort_only=1 ;;
    *) echo "[setup] error: unknown option '$a'; expected --tests, --no-plots or --ort-only" >&2; exit 2 ;;
  esac
done
APT_PACKAGES=()
if ((!ort_only)); then
  pkgs="$(qbench_os_packages "${QBENCH_OS_RELEASE:-/etc/os-release}" ${opts[@]+"${opts[@]}"})" || exit 1
  mapfile -t APT_PACKAGES <<<"$pkgs"
fi

missing=()
for p in ${APT_PACKAGES[@]+"${APT_PACKAGES[@]}"}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)   # Node's own npm counts
if ((${#missing[@]})); then
  echo "[setup] installing packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# --- ONNX Runtime, pinned ----------------------------------------------------------------
ORT_DIR="${QBENCH_ORT_DIR:-$root/third_party/onnxruntime}"
LIB_PKG="onnxruntime-node@1.30.0"
LIB_SHA512="twhs1C2C/BFkz1yc5OY0KIU2GUq6DURO7hD4bx5Q2Qy3nAMJwRXW8xU3NVczE29VA9lolLOYepoD8fjTGOfIqw=="
HDR_PKG="com.github.asus4.onnxruntime@0.4.9"
HDR_SHA512="BkzxduSZ9IkeDP6Q8lz2TFU2ie7hSSvS7ZIfzMooExoq0CNzJnuuGaUJ7IsojBgqO4ouD1jXah8OYyJbCN29Fg=="
STAMP="$ORT_DIR/.stamp-1.30.0-0.4.9"

if [[ ! -f "$STAMP" ]]; then
  case "${QBENCH_ORT_ARCH:-$(uname -m)}" in
    x86_64|x64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "[setup] error: no pinned ONNX Runtime for ${QBENCH_ORT_ARCH:-$(uname -m)}; configure with -DONNXRUNTIME_ROOT=/path/to/your/onnxruntime" >&2; exit 1 ;;
  esac
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  fetch() { # $1 package@version, $2 expected sha512 (base64)
    echo "[setup] fetching $1 from npm" >&2
    (cd "$tmp" && npm pack --silent "$1" >/dev/null)
    local tgz; tgz="$(ls -t "$tmp"/*.tgz | head -1)"
    local got; got="$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [[ "$got" != "$2" ]]; then
      echo "[setup] error: checksum mismatch for $1: expected sha512-$2, got sha512-$got" >&2; exit 1
    fi
    mv "$tgz" "$tmp/$(echo "$1" | tr '@/' '__').tgz"
  }
  fetch "$LIB_PKG" "$LIB_SHA512"
  fetch "$HDR_PKG" "$HDR_SHA512"
  rm -rf "$ORT_DIR"; mkdir -p "$ORT_DIR/include" "$ORT_DIR/lib"
  hdr="package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers"
  tar xzf "$tmp/com.github.asus4.onnxruntime_0.4.9.tgz" -C "$tmp" "$hdr"
  cp "$tmp/$hdr"/*.h "$ORT_DIR/include/"
  lib="package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
  tar xzf "$tmp/onnxruntime-node_1.30.0.tgz" -C "$tmp" "$lib"
  cp "$tmp/$lib" "$ORT_DIR/lib/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$ORT_DIR/lib/libonnxruntime.so"
  tar xzf "$tmp/com.github.asus4.onnxruntime_0.4.9.tgz" -C "$tmp" package/LICENSE package/ThirdPartyNotices.txt && cp "$tmp/package/LICENSE" "$tmp/package/ThirdPartyNotices.txt" "$ORT_DIR/"
  touch "$STAMP"
  echo "[setup] ONNX Runtime 1.30.0 ($arch) in $ORT_DIR" >&2
fi
