// qbench/core/build_info.h — version, git commit and build type baked in at configure time.
#pragma once

namespace qbench {
const char* QbenchVersion();    ///< e.g. "0.1.0"
const char* QbenchGitCommit();  ///< short hash, or "unknown" outside a git checkout
const char* QbenchBuildType();  ///< CMAKE_BUILD_TYPE: "Release", "Debug", ...
}  // namespace qbench
