#!/usr/bin/env bash
# Sets everything up (idempotent), builds, and runs the whole test suite with CTest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" --tests
# The model-loader fuzz test under AddressSanitizer + UBSan first (only qbench's own code is
# instrumented; protobuf/onnx/ORT are not). QBENCH_SKIP_ASAN=1 skips it.
if [[ "${QBENCH_SKIP_ASAN:-0}" != 1 ]]; then
  cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQBENCH_SANITIZE=ON -DQBENCH_BUILD_BENCH=OFF >&2
  cmake --build "$root/build-asan" -j"$(nproc)" --target model_fuzz_test >&2
  echo "[test] model loader fuzz test under ASan+UBSan" >&2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$root/build-asan/tests/model_fuzz_test" >&2
fi
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$root/build" -j"$(nproc)" >&2
# The conformance-corpus sweep (CTest label `corpus`, tests/corpus: six shards that ctest -j spreads,
# ~3-4 min of CPU in all; docs/corpus.md) runs by default; QBENCH_CORPUS=0 skips it.
if [[ "${QBENCH_CORPUS:-1}" == 0 ]]; then
  echo "[test] skipping the conformance-corpus sweep (label corpus): QBENCH_CORPUS=0" >&2
  set -- -LE corpus "$@"
fi
cd "$root/build" && ctest --output-on-failure -j"$(nproc)" "$@"
