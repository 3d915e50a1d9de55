// qbench/core/error.h — the one error type the library throws.
#pragma once

#include <stdexcept>
#include <string>

namespace qbench {

/// Category of a failure; the CLI maps it to an exit code (usage errors → 2, others → 1).
enum class ErrorCode {
  kInvalidArgument,  ///< a flag, option or value is wrong (usage error)
  kNotFound,         ///< a file, input, node or model name does not exist
  kInvalidInput,     ///< a file's content is malformed (not ONNX, truncated, a directory, corrupt image)
  kUnsupported,      ///< valid input that qbench (or the engine) cannot handle
  kRuntime,          ///< the engine failed while running
  kIo,               ///< reading or writing a file failed
};

/// The library's only exception. The message says what failed, quotes the value, and names the
/// choices or the fix. Thrown by every qbench function documented as "throws Error".
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace qbench
