#!/usr/bin/env bash
# Sets everything up (idempotent), builds, and runs the whole test suite with CTest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$root/build" -j"$(nproc)" >&2
cd "$root/build" && ctest --output-on-failure -j"$(nproc)" "$@"
