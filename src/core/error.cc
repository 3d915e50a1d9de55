#include "qbench/core/error.h"

namespace qbench {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kInvalidInput: return "invalid input";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kRuntime: return "runtime error";
    case ErrorCode::kIo: return "I/O error";
  }
  return "error";
}

}  // namespace qbench
