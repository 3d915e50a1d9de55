#!/usr/bin/env bash
# scripts/os_packages.sh on fake os-release files: the package names each release gets, and the one
# line naming what is missing where setup.sh must stop. Run by CTest (setup_os_packages).
set -uo pipefail
src="${1:-$(dirname "$0")/../../scripts/os_packages.sh}"
# shellcheck disable=SC1090
source "$src"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
check() { # $1 name, $2 condition result (0 ok)
  if [[ "$2" == 0 ]]; then passes=$((passes + 1)); else echo "FAIL: $1" >&2; fails=$((fails + 1)); fi
}
release() { # $1 file, $2 ID, $3 VERSION_ID, $4 PRETTY_NAME
  printf 'PRETTY_NAME="%s"\nNAME="x"\nVERSION_ID="%s"\nID=%s\n' "$4" "$3" "$2" > "$tmp/$1"
}
has() { grep -qx -- "$2" <<<"$1"; }

release debian12 debian 12 "Debian GNU/Linux 12 (bookworm)"
out="$(qbench_os_packages "$tmp/debian12")"; rc=$?
check "debian 12 succeeds" $rc
has "$out" libjpeg62-turbo-dev; check "debian 12: libjpeg62-turbo-dev" $?
has "$out" libjpeg-turbo8-dev; check "debian 12: no Ubuntu jpeg name" $((! $?))
has "$out" libonnx-dev; check "debian 12: libonnx-dev" $?
has "$out" libplplot-dev; check "debian 12: plplot by default" $?
has "$out" chromium; check "debian 12: chromium only with --tests" $((! $?))
[[ "$(wc -l <<<"$out")" == 20 ]]; check "debian 12: 20 packages (10 native + 10 libraries)" $?

out="$(qbench_os_packages "$tmp/debian12" --tests --no-plots)"
has "$out" chromium; check "debian 12 --tests: chromium" $?
has "$out" libonnx-testdata; check "debian 12 --tests: libonnx-testdata" $?
has "$out" slurmctld; check "debian 12 --tests: slurmctld" $?
has "$out" libplplot-dev; check "--no-plots: no libplplot-dev" $((! $?))
has "$out" plplot-driver-cairo; check "--no-plots: no cairo driver" $((! $?))

out="$(qbench_os_packages "$tmp/debian12" --arch arm64 --no-plots)"
has "$out" libprotobuf-dev:arm64; check "--arch arm64: libraries as :arm64" $?
has "$out" libonnx-dev:arm64; check "--arch arm64: libonnx-dev:arm64 left out (not co-installable)" $((! $?))
has "$out" libonnx-dev; check "--arch arm64: nor the native libonnx-dev" $((! $?))
has "$out" libjpeg62-turbo-dev:arm64; check "--arch arm64: jpeg as :arm64" $?
has "$out" cmake; check "--arch arm64: build tools native" $?
has "$out" protobuf-compiler; check "--arch arm64: protoc native" $?
has "$out" libcli11-dev; check "--arch arm64: header-only 'all' packages as they are" $?

release noble ubuntu 24.04 "Ubuntu 24.04.1 LTS"
out="$(qbench_os_packages "$tmp/noble" --tests)"; rc=$?
check "ubuntu 24.04 succeeds" $rc
has "$out" libjpeg-turbo8-dev; check "ubuntu 24.04: libjpeg-turbo8-dev" $?
has "$out" chromium-browser; check "ubuntu 24.04: chromium-browser" $?

release jammy ubuntu 22.04 "Ubuntu 22.04.4 LTS"
err="$(qbench_os_packages "$tmp/jammy" 2>&1 >/dev/null)"; rc=$?
check "ubuntu 22.04 stops" $((rc != 1))
[[ "$(wc -l <<<"$err")" == 1 ]]; check "ubuntu 22.04: one line" $?
[[ "$err" == *"Ubuntu 22.04.4 LTS (JetPack 6)"*"libtomlplusplus-dev"*"ONNX 1.7.0"* ]]; check "ubuntu 22.04: names toml++ and old ONNX: $err" $?

release focal ubuntu 20.04 "Ubuntu 20.04.6 LTS"
err="$(qbench_os_packages "$tmp/focal" 2>&1 >/dev/null)"; rc=$?
check "ubuntu 20.04 stops" $((rc != 1))
[[ "$err" == *"(JetPack 5)"*"libonnx-dev"*"libcli11-dev"*"3.7.3"*"cmake >= 3.20"* ]]; check "ubuntu 20.04: names what is missing: $err" $?

release fedora fedora 40 "Fedora Linux 40"
err="$(qbench_os_packages "$tmp/fedora" 2>&1 >/dev/null)"; rc=$?
check "unknown OS stops" $((rc != 1))
[[ "$(wc -l <<<"$err")" == 1 && "$err" == *"unknown OS 'Fedora Linux 40'"*"ONNX >= 1.12"* ]]; check "unknown OS: one line: $err" $?
err="$(qbench_os_packages "$tmp/none" 2>&1 >/dev/null)"; rc=$?
check "missing os-release stops" $((rc != 1))

echo "$passes passed, $fails failed"
((fails == 0))
