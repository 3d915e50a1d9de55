# scripts/os_packages.sh — the apt packages qbench needs, by OS release (sourced by setup.sh and
# cross_aarch64.sh; tested with fake os-release files by tests/scripts/os_packages_test.sh).
#
# qbench_os_packages OS_RELEASE_FILE [--tests] [--no-plots] [--arch ARCH]
#   Prints the package names for that release, one per line, and returns 0; or prints one line
#   "[setup] error: <release>: ..." naming what is missing there on stderr and returns 1.
#   --tests adds what only the tests need; --no-plots leaves PLplot out (-DQBENCH_PLOTS=OFF);
#   --arch ARCH (e.g. arm64) names the libraries as ARCH's multiarch packages (name:ARCH), the
#   build tools stay the machine's own; libonnx-dev is left out (not co-installable, see below).
#
# What each release calls the packages (checked against the archives' package lists, 2026-12):
#   Debian 12/13:  libjpeg62-turbo-dev, chromium; libonnx-dev 1.12 (bookworm) and newer.
#   Ubuntu 24.04+: libjpeg-turbo8-dev, chromium-browser; libonnx-dev 1.14, toml++ 3.4, CLI11 2.4.
#   Ubuntu 22.04 (JetPack 6): no toml++ package, libonnx-dev is ONNX 1.7.0 (qbench needs >= 1.12).
#   Ubuntu 20.04 (JetPack 5): no libonnx-dev, no toml++, no CLI11, nlohmann-json 3.7.3 (needs >= 3.10),
#   CMake 3.16 (needs >= 3.20).

qbench_os_packages() {
  local file="$1"; shift
  local tests=0 plots=1 arch=""
  while (($#)); do
    case "$1" in
      --tests) tests=1 ;;
      --no-plots) plots=0 ;;
      --arch) arch="$2"; shift ;;
      *) echo "[setup] error: qbench_os_packages: unknown option '$1'" >&2; return 2 ;;
    esac
    shift
  done
  local ID="" VERSION_ID="" PRETTY_NAME=""
  if [[ -r "$file" ]]; then
    # shellcheck disable=SC1090
    eval "$(grep -E '^(ID|VERSION_ID|PRETTY_NAME)=' "$file")"
  fi
  local os="${PRETTY_NAME:-${ID:-unknown} ${VERSION_ID}}"
  local jpeg chromium
  case "$ID:$VERSION_ID" in
    debian:12|debian:13) jpeg=libjpeg62-turbo-dev; chromium=chromium ;;
    ubuntu:24.04|ubuntu:24.10|ubuntu:25.04|ubuntu:25.10|ubuntu:26.04) jpeg=libjpeg-turbo8-dev; chromium=chromium-browser ;;
    ubuntu:22.04)
      echo "[setup] error: $os (JetPack 6) lacks packages qbench needs: libtomlplusplus-dev (toml++ 3; none in 22.04) and libonnx-dev >= 1.12 (22.04 has ONNX 1.7.0); build in a Debian 12 container (e.g. docker run debian:12) or install them from source, then configure with cmake directly" >&2
      return 1 ;;
    ubuntu:20.04)
      echo "[setup] error: $os (JetPack 5) lacks packages qbench needs: libonnx-dev >= 1.12, libtomlplusplus-dev, libcli11-dev, nlohmann-json3-dev >= 3.10 (20.04 has 3.7.3) and cmake >= 3.20 (20.04 has 3.16); build in a Debian 12 container (e.g. docker run debian:12) or install them from source" >&2
      return 1 ;;
    *)
      echo "[setup] error: unknown OS '$os' (from $file): scripts/setup.sh knows Debian 12/13 and Ubuntu 24.04+; install by hand a C++17 compiler, cmake >= 3.20, ONNX >= 1.12 (libonnx-dev), protobuf, CLI11, nlohmann-json >= 3.10, fmt, toml++ 3, libjpeg, stb, GoogleTest and PLplot with cairo (or build with -DQBENCH_PLOTS=OFF)" >&2
      return 1 ;;
  esac
  local tools=(build-essential cmake git ca-certificates openssl pkg-config ccache protobuf-compiler)
  # Header-only packages of architecture "all" (Multi-Arch: foreign) serve every architecture as they are.
  tools+=(libcli11-dev nlohmann-json3-dev)
  local libs=(libonnx-dev libprotobuf-dev libfmt-dev libstb-dev libtomlplusplus-dev libgtest-dev libgmock-dev "$jpeg")
  ((plots)) && libs+=(libplplot-dev plplot-driver-cairo)
  # chromium renders report.html headless in the `html` test (--no-install-recommends keeps its extras
  # out); libonnx-testdata is ONNX's conformance corpus for tests/corpus (the `corpus` CTest label);
  # slurmctld, slurmd, slurm-client and munge let tests/slurm start a one-node Slurm cluster (`slurm`).
  ((tests)) && tools+=("$chromium" libonnx-testdata slurmctld slurmd slurm-client munge)
  local p
  for p in "${tools[@]}"; do echo "$p"; done
  for p in "${libs[@]}"; do
    if [[ -z "$arch" ]]; then
      echo "$p"
    elif [[ "$p" != libonnx-dev ]]; then
      echo "$p:$arch"
    fi
    # libonnx-dev:ARCH is not co-installable beside the machine's own: its libonnxifi ships
    # /usr/lib/libonnxifi.so outside the multiarch folder. cross_aarch64.sh unpacks it into the build
    # folder instead (apt-get download + dpkg-deb -x).
  done
}
