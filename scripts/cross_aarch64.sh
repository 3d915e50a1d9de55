#!/usr/bin/env bash
# Cross-compiles the `qbench` target for aarch64 (arm64, e.g. a Jetson or a Raspberry Pi 4/5 running
# Debian 12) on a Debian 12 x86-64 machine, so that the aarch64 build is kept working:
#   1. Debian multiarch: dpkg --add-architecture arm64, crossbuild-essential-arm64 and the :arm64 -dev
#      packages (scripts/os_packages.sh --arch arm64 --no-plots), installed when missing; ONNX's arm64
#      packages unpacked into the build folder (they are not co-installable);
#   2. the arm64 libonnxruntime.so.1 of the same pinned npm package as the native build
#      (scripts/setup.sh with QBENCH_ORT_ARCH=arm64, sha512-verified) into $out/onnxruntime-arm64;
#   3. cmake with cmake/aarch64-linux-gnu.cmake, -DQBENCH_PLOTS=OFF, no tests, `qbench` only;
#   4. checks the result is an ARM aarch64 ELF executable (file) and prints its path.
# Usage: scripts/cross_aarch64.sh [BUILD_DIR]   (default: build-aarch64; needs root for apt)
# Cost: about 2 min of apt the first time and a full build of the library (ccache makes reruns quick).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build-aarch64}"
source "$root/scripts/os_packages.sh"

# --- 1. cross toolchain and arm64 libraries --------------------------------------------------
need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "[cross] dpkg --add-architecture arm64" >&2
  dpkg --add-architecture arm64
  need_update=1
fi
pkgs="$(qbench_os_packages "${QBENCH_OS_RELEASE:-/etc/os-release}" --no-plots --arch arm64)" || exit 1
mapfile -t wanted < <(echo crossbuild-essential-arm64; echo file; echo "$pkgs")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[cross] installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ((need_update)) || ! apt-cache show libonnx-dev:arm64 >/dev/null 2>&1; then apt-get update -qq; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# ONNX (graph editing) for arm64: libonnx-dev:arm64 cannot be installed beside the native one (its
# libonnxifi ships /usr/lib/libonnxifi.so outside the multiarch folder), so its packages are unpacked
# into the build folder and found there (ONNX_DIR).
onnx="$out/onnx-arm64"
if [[ ! -f "$onnx/.stamp" ]]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download libonnx-dev:arm64 libonnx1:arm64 libonnxifi:arm64 >&2)
  rm -rf "$onnx" && mkdir -p "$onnx"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$onnx"; done
  rm -rf "$tmp"
  touch "$onnx/.stamp"
fi

# --- 2. the pinned ONNX Runtime, arm64 build ---------------------------------------------------
ort="$out/onnxruntime-arm64"
QBENCH_ORT_ARCH=arm64 QBENCH_ORT_DIR="$ort" bash "$root/scripts/setup.sh" --ort-only

# --- 3. configure and build ------------------------------------------------------------------
cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" \
  -DONNXRUNTIME_ROOT="$ort" -DONNX_DIR="$onnx/usr/lib/aarch64-linux-gnu/cmake/ONNX" -DQBENCH_PLOTS=OFF -DQBENCH_BUILD_TESTS=OFF -DQBENCH_BUILD_BENCH=OFF >&2
cmake --build "$out" -j"$(nproc)" --target qbench >&2

# --- 4. check ----------------------------------------------------------------------------------
desc="$(file -b "$out/qbench")"
if [[ "$desc" != *"ARM aarch64"* ]]; then
  echo "[cross] error: $out/qbench is not an aarch64 executable: $desc" >&2
  exit 1
fi
echo "[cross] $out/qbench: $desc" >&2
echo "$out/qbench"
