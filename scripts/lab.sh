#!/usr/bin/env bash
# Sets everything up (idempotent), builds qbench, and runs the main job: the default lab
# (four zoo models × fp32 / dynamic int8 / static int8 × batch 1,2,4,8,16) into ./qbench-lab.
# Extra arguments go to `qbench lab` (e.g. --output DIR, --models zoo:resnet18).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$root/build" -j"$(nproc)" --target qbench >&2
cd "$root"
./build/qbench lab "$@"
