// qbench/quantization/verify.h — every quantized model is verified before it is written: it must
// load and run in ONNX Runtime, and its outputs must stay close to the fp32 model's on calibration
// samples (or generated inputs). When an output collapses, the tensors responsible are found by
// comparing each quantized activation with its fp32 value (matched by name, as ONNX Runtime's
// onnxruntime/python/tools/quantization/qdq_loss_debug.py does) and the nodes that quantize them are
// kept fp32 automatically (QuantizeOptions::exclude), then the model is verified again.
// Method, thresholds and why: docs/verification.md. Used by `qbench quantize` (with or without the
// fallback search) and the lab's quantize step.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/log.h"
#include "qbench/core/tensor.h"
#include "qbench/model/model.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/runtime/runner.h"

namespace qbench {

/// Default SQNR (dB) below which an output — or a slice of it — has collapsed (docs/verification.md).
constexpr double kVerifyMinSqnrDb = 15.0;
/// Default gap (dB): a slice collapses only when it is at least this far below its whole output.
constexpr double kVerifySliceGapDb = 10.0;
/// A slice whose values live on a scale this much smaller (mean power, dB) than its tensor's is one
/// that a shared scale rounds away (docs/verification.md).
constexpr double kVerifySliceScaleGapDb = 30.0;
/// Class-score outputs ([N, C] or [N, C, 1, 1]) with at least this many classes are not judged per
/// class column (most logits are small and never compete for the top; top-1 agreement is reported).
constexpr std::int64_t kVerifyClassAxisUnjudged = 100;
/// A class-score output whose whole-output SQNR is below min_sqnr_db has not collapsed when this
/// share of its top-1 decisions could match fp32: the 95 % Wilson upper bound of its top-1 agreement
/// (over at least kVerifyAgreementMinRows rows) reaches it. A classifier is judged by its decisions
/// (ordinary int8 MobileNets sit near 15 dB with > 95 %), and 14 of 16 (87.5 %, bound 96.5 %) is no
/// evidence of a collapse, while 1 of 16 (bound 28.3 %) is.
constexpr double kVerifyKeptAgreement = 0.9;
constexpr std::size_t kVerifyAgreementMinRows = 10;
/// A fallback round is kept only when it removes a collapsed output or raises the worst collapsed
/// output's SQNR by at least this much (dB); otherwise its exclusions are reverted.
constexpr double kVerifyMinGainDb = 1.0;

struct VerifyOptions {
  bool enabled = true;   ///< false (--no-verify): the model is written unverified
  bool fix = true;       ///< keep the tensors responsible for a collapse fp32 and verify again
  bool strict = false;   ///< a collapse that remains after the fix rounds is an error (exit 1)
  double min_sqnr_db = kVerifyMinSqnrDb;
  double slice_gap_db = kVerifySliceGapDb;
  /// Slices are analysed along the last axis and axis 1 when the axis has 2..max_slices entries.
  std::int64_t max_slices = 4096;
  int max_rounds = 4;               ///< fix rounds (each re-quantizes and re-verifies once)
  int max_culprits_per_round = 4;   ///< tensors kept fp32 per round, the most damaged first
  std::size_t max_samples = 16;     ///< verification batches read from the data reader
  SessionConfig session;            ///< provider and options the quantized model is verified with
  /// Test hook (QBENCH_TEST_INJECT_FAULT in the CLI): the node of the quantized model with this name
  /// gets an op type no runtime implements, so that the rejection path can be tested. Empty: none.
  std::string inject_fault_node;
};

/// The worst group of contiguous collapsed indices along one axis of a tensor.
struct SliceCollapse {
  int axis = -1;                 ///< -1: no slice collapsed
  std::int64_t first = 0, last = 0;  ///< inclusive index range of the group holding the worst index
  std::int64_t extent = 0;       ///< entries along the axis
  std::int64_t collapsed = 0;    ///< collapsed indices along the axis (all groups)
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();  ///< of the group (energies summed)
};

/// One graph output of the quantized model against the fp32 model's.
struct OutputVerification {
  std::string name;
  std::string dtype;                       ///< "float32", "int64", ...
  std::vector<std::int64_t> shape;         ///< of the first sample
  bool compared = false;                   ///< float32 output: SQNR/cosine measured
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();  ///< all samples, summed energies
  double cosine = std::numeric_limits<double>::quiet_NaN();   ///< mean per-sample cosine
  double top1_agreement = std::numeric_limits<double>::quiet_NaN();  ///< class-score shapes only
  double exact_match = std::numeric_limits<double>::quiet_NaN();     ///< non-float outputs: equal elements
  std::int64_t non_finite = 0;             ///< NaN/Inf values where fp32 is finite
  SliceCollapse slice;                     ///< worst collapsed slice (axis -1: none)
  bool collapsed = false;
  std::string why;                         ///< one line when collapsed
};

/// A node kept fp32 by the automatic fallback.
struct KeptFp32 {
  std::string node, op_type;
  std::string tensor;   ///< the tensor whose quantization collapsed
  std::string reason;   ///< one line: the numbers that condemned it
  int round = 0;        ///< 1-based fix round
};

struct VerificationReport {
  bool performed = false;
  std::string note;                 ///< why it was not performed, or caveats
  std::string samples;              ///< where the inputs came from
  std::size_t batches = 0;
  double min_sqnr_db = kVerifyMinSqnrDb, slice_gap_db = kVerifySliceGapDb;
  std::vector<OutputVerification> outputs;  ///< of the model written
  bool collapsed = false;           ///< some output of the model written still collapsed
  std::vector<KeptFp32> kept_fp32;  ///< the automatic fallback, in order
  std::vector<std::string> rounds;  ///< one line per verification pass
};

/// The inputs verification runs on.
struct VerificationData {
  std::vector<std::vector<HostTensor>> feeds;  ///< batches in Model::Inputs() order
  std::string description;
};

/// Reads at most `max_batches` batches from `reader`. Throws what the reader throws.
VerificationData ReadVerificationData(CalibrationDataReader& reader, std::size_t max_batches);

/// The collapse rule on a compared float32 output's whole-output SQNR: true when sqnr_db < min_sqnr_db,
/// unless the output holds class scores whose top-1 agreement with fp32 could be >= kVerifyKeptAgreement
/// (AgreementUpperBound) over >= kVerifyAgreementMinRows rows (`rows` = 0 or a NaN agreement: not
/// class scores). The one
/// place this rule lives: CompareOutputs applies it and CollapseRuleText states it.
bool SqnrCollapsed(double sqnr_db, double min_sqnr_db, std::size_t rows, double top1_agreement);

/// The 95 % Wilson upper bound (WilsonInterval, data/metrics.h) of a top-1 agreement share measured
/// over `rows` samples (the count is rounded from the share); NaN for 0 rows or a NaN share.
double AgreementUpperBound(std::size_t rows, double top1_agreement);

/// The collapse rule in words, for the verification header, from the same constants as SqnrCollapsed:
/// "collapse: SQNR < 15.0 dB unless top-1 agreement >= 90 % (class scores, >= 10 samples); a slice:
/// also 10.0 dB below its output".
std::string CollapseRuleText(double min_sqnr_db, double slice_gap_db);

/// Compares every output of `quantized` with `fp32_outputs` (per batch, in the same order) and
/// judges collapse: SqnrCollapsed, non-finite values, or a slice (an index along the last axis,
/// or along axis 1 of rank ≥ 3) with SQNR < min_sqnr_db and ≤ the whole output's SQNR − slice_gap_db
/// whose values are kVerifySliceScaleGapDb smaller in mean power than the output's or whose noise is
/// slice_gap_db above the output's mean noise power.
/// `quantized_outputs` are the quantized model's outputs for the same batches.
std::vector<OutputVerification> CompareOutputs(const std::vector<TensorInfo>& infos,
                                               const std::vector<std::vector<HostTensor>>& fp32_outputs,
                                               const std::vector<std::vector<HostTensor>>& quantized_outputs,
                                               const VerifyOptions& options);

/// Re-quantizes with `keep_float` (exact node names of the prepared graph) added to the exclusions.
using RequantizeFn = std::function<QuantizeResult(const std::vector<std::string>& keep_float)>;

/// The model that was written and how it was verified.
struct VerifiedQuantization {
  QuantizeResult result;
  VerificationReport verification;
};

/// Verifies `first` (quantized from `fp32`) on `data`, fixes a collapse with up to max_rounds
/// fp32-fallback rounds through `requantize`, and writes the chosen model to `path`: to a temporary
/// file beside it, loaded back from disk and verified again, then renamed into place.
/// With options.enabled false the model is only written (atomically).
/// Throws Error(kRuntime) with one line naming the node and what ONNX Runtime refused when the
/// quantized model does not load or run — nothing is left at `path`; the model is kept as
/// RejectedPath(path) — and, with options.strict, when an output still collapses.
/// When the fp32 model itself does not run on `data`, verification is skipped with a note.
VerifiedQuantization VerifyAndSave(const Model& fp32, QuantizeResult first, const RequantizeFn& requantize,
                                   const VerificationData& data, const std::string& path, const VerifyOptions& options);

/// "out.onnx" → "out.rejected.onnx" (other names get ".rejected.onnx" appended).
std::string RejectedPath(const std::string& path);

/// Text for stdout: per output SQNR / cosine / agreement and the fallback decisions.
std::string FormatVerification(const VerificationReport& report);
/// The outputs that still collapsed, as "output 'NAME': WHY" joined with "; " (empty when none did):
/// the body of the verification_collapse warning of `quantize`, `quantize --auto` and the lab.
std::string CollapsedOutputsText(const VerificationReport& report);
/// The "verification" block of the --report JSON and of the lab's model records: every field of the
/// report, figures not measured as null, ±inf as "inf" / "-inf", "worst_slice" only for an output
/// with a collapsed slice. One field list (verify_compare.cc) for both directions.
nlohmann::json VerificationToJson(const VerificationReport& report);
/// nlohmann's hooks (the same JSON); readers keep defaults for missing keys and throw
/// Error(kInvalidInput) naming a key of the wrong type.
void to_json(nlohmann::json& j, const VerificationReport& r);
void from_json(const nlohmann::json& j, VerificationReport& r);
void to_json(nlohmann::json& j, const OutputVerification& o);
void from_json(const nlohmann::json& j, OutputVerification& o);
void to_json(nlohmann::json& j, const SliceCollapse& s);
void from_json(const nlohmann::json& j, SliceCollapse& s);
void to_json(nlohmann::json& j, const KeptFp32& k);
void from_json(const nlohmann::json& j, KeptFp32& k);

}  // namespace qbench
