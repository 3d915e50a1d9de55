// tests/corpus/corpus_case.h — checking one model of ONNX's conformance corpus (Debian's
// libonnx-testdata) through `qbench quantize` in both modes (issue 9 §7; docs/corpus.md).
#pragma once

#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <string>
#include <vector>

namespace qbench::corpus {

/// One `qbench quantize --mode MODE` run on a corpus model.
struct ModeResult {
  std::string mode;
  int exit_code = -1;
  /// "runnable" (exit 0, ORT runs the output on the test inputs), "quantized" (exit 0, no fp32
  /// reference run to compare with), "refused" (exit 1/2 with one clear line), or "FAIL".
  std::string outcome;
  std::string reason;   ///< refusals: RefusalReason(message)
  std::string message;  ///< refusals: the error line without "qbench: error: "
  std::string detail;   ///< FAIL: what was wrong
  double sqnr_db = std::nan("");  ///< worst float output's SQNR (dB) vs the reference outputs
  bool integer_outputs_differ = false;
};

struct CaseResult {
  std::string model;        ///< the model's folder
  std::string family;       ///< Family(): rnn, conv, linear or other
  std::string fp32_status;  ///< "ok", "not runnable in ORT", "test data not tensors"
  std::string fp32_error;
  std::vector<ModeResult> modes;
};

/// SQNR(dB) = 10·log10(Σref² / Σ(got−ref)²) over finite reference values; 200 when identical,
/// -200 when the reference is all zero and `got` is not, -1e9 on a size mismatch.
double Sqnr(const std::vector<float>& ref, const std::vector<float>& got);
/// The op family that bounds a model's SQNR: "rnn" (LSTM/GRU/RNN), "conv" (Conv/ConvTranspose),
/// "linear" (Gemm/MatMul) or "other", in that precedence.
std::string Family(const onnx::ModelProto& model);
/// The first stderr line that carries raw ONNX Runtime text (ANSI colours, "[E:onnxruntime",
/// C++ scopes, source paths with line numbers); "" when none.
std::string RawOrtLine(const std::string& stderr_text);
/// The "qbench: error:" lines of stderr, plus any unprefixed line that follows one (a
/// continuation of a multi-line error).
std::vector<std::string> ErrorLines(const std::string& stderr_text);
/// The refusal class of an error message (a small regex table): "opset", "input-shape" (both
/// count as failures), "already quantized", "non-fp32 float", "non-tensor or string I/O",
/// "nothing to quantize", "training-mode op", "unsupported op/domain", "input dtype", "ORT cannot run
/// the model", "generated values rejected by the model" or "other".
std::string RefusalReason(const std::string& message);

/// Runs fp32 in ONNX Runtime on test_data_set_0, then `qbench quantize` in dynamic and static mode
/// (each under `timeout_s`), and runs each output on the same inputs. Never throws.
CaseResult RunCase(const std::string& model_dir, const std::string& work_dir, const std::string& qbench, int timeout_s);

nlohmann::json ToJson(const CaseResult& r);
CaseResult FromJson(const nlohmann::json& j);

}  // namespace qbench::corpus
