# Toolchain file: cross-compile for aarch64 (arm64) with Debian's multiarch packages
# (crossbuild-essential-arm64 and the :arm64 -dev packages; scripts/cross_aarch64.sh installs them).
# Libraries and CMake package configs are found under /usr/lib/aarch64-linux-gnu; programs (protoc)
# are the build machine's own.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# pkg-config (PLplot, when plots are on) reads the arm64 .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
