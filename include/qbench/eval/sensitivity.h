// qbench/eval/sensitivity.h — per-layer quantization sensitivity and accuracy-aware fp32 fallback.
//
// Sensitivity of a layer = the fidelity lost when ONLY that layer is quantized (every other
// quantizable layer kept fp32), measured against the fp32 model on an evaluation set: SQNR of the
// logits, top-1 agreement, KL and (with labels) the top-1 change. The ranking tells which layers to
// keep in fp32 first (the "fallback"), as in the layer-wise sensitivity analysis of TensorRT's and
// ONNX Runtime's accuracy debugging tools (onnxruntime/python/tools/quantization/qdq_loss_debug.py
// compares per-tensor errors; here the end-to-end effect of each layer is measured directly).
//
// The caller passes a QuantizeFn that builds the quantized model with a given set of layers kept
// fp32: SensitivityQuantizer::Fn() (qbench/eval/sensitivity_quantizer.h, calibrating each tensor once)
// or, e.g. in a test, [&](const std::vector<std::string>& keep) { QuantizeOptions o = base;
// o.exclude = keep; return QuantizeModelWithRanges(fp32, o, ranges, &w).model; }
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "qbench/core/error.h"
#include "qbench/data/dataset.h"
#include "qbench/eval/evaluator.h"
#include "qbench/model/model.h"
#include "qbench/runtime/runner.h"

namespace qbench {

/// Builds the quantized model in which the nodes named in `keep_float` (exact node names) stay fp32
/// and every other quantizable node is quantized. Throws whatever the quantizer throws.
using QuantizeFn = std::function<Model(const std::vector<std::string>& keep_float)>;

/// A quantizable layer: a node the full quantization quantizes, with its cost.
struct LayerInfo {
  std::string name;      ///< exact node name (what QuantizeOptions::exclude matches)
  std::string op_type;
  std::int64_t macs = 0; ///< multiply-accumulates per sample batch of the analysed shapes (inspect.h rules)
};

/// The effect of quantizing one layer alone (or a configuration, for FallbackStep).
struct LayerSensitivity {
  LayerInfo layer;
  double mac_share = 0.0;  ///< layer.macs / total MACs of the model, in [0,1]
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();  ///< logits vs fp32 (higher = safer)
  double agreement = std::numeric_limits<double>::quiet_NaN();  ///< top-1 agreement with fp32, fraction
  double kl = std::numeric_limits<double>::quiet_NaN();         ///< mean KL(fp32 ‖ candidate), nats
  double top1 = std::numeric_limits<double>::quiet_NaN();       ///< with labels, fraction
  /// Fidelity loss in percentage points: (1 − top-1 agreement with fp32)·100 — label-free, and one
  /// count rather than the difference of two noisy top-1s; 0 for a model without class scores.
  double drop_points = std::numeric_limits<double>::quiet_NaN();
};

struct SensitivityOptions {
  EvalOptions eval;        ///< limit, batch, decode threads for every evaluation
  SessionConfig session;   ///< ORT session for the candidate models (threads, provider)
  /// Other quantizable nodes (no MACs: Add, Concat, MaxPool, ...) that the single-layer candidates
  /// of RankLayerSensitivity also keep fp32, so that "only that layer quantized" holds.
  std::vector<std::string> also_float;
  /// Called after each evaluated layer with (layers done, total, the layer's result). May be empty.
  std::function<void(std::size_t, std::size_t, const LayerSensitivity&)> progress;
};

/// Replays the outputs a runner gave on a first pass: Evaluate feeds the same batches in the same
/// order every time (in-order prefetch), so call i of a later pass sees call i's feed. A feed that
/// differs (checked byte for byte) is run for real. Call Rewind() before each pass. Lets many
/// candidates be compared with one fp32 model that runs once.
class ReplayRunner : public Runner {
 public:
  explicit ReplayRunner(Runner& inner) : inner_(inner) {}
  const std::vector<TensorInfo>& inputs() const override { return inner_.inputs(); }
  const std::vector<TensorInfo>& outputs() const override { return inner_.outputs(); }
  std::vector<HostTensor> Run(const std::vector<HostTensor>& feeds) override;
  void Rewind() { call_ = 0; }

 private:
  static bool SameFeeds(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b);
  Runner& inner_;
  std::size_t call_ = 0;
  std::vector<std::pair<std::vector<HostTensor>, std::vector<HostTensor>>> recorded_;
};

/// Decoded samples held in memory, so that many evaluations decode once. Get() returns copies.
/// Throws as the wrapped dataset for samples that cannot be decoded (they stay skipped).
class CachedDataset : public Dataset {
 public:
  /// Decodes the first min(limit, size) samples (0 = all) of `source` now.
  CachedDataset(const Dataset& source, std::size_t limit);
  std::size_t size() const override { return samples_.size(); }
  Sample Get(std::size_t i) const override;
  std::string Describe() const override { return description_; }

 private:
  std::vector<Sample> samples_;
  std::vector<std::string> errors_;  ///< non-empty: the sample failed with this message
  std::vector<ErrorCode> codes_;
  std::string description_;
};

/// Ranks `layers` by sensitivity: for each layer, builds quantize(all other layers) — only that
/// layer quantized — and evaluates it against `fp32` on `dataset` (the fp32 outputs are computed
/// once and replayed). Returned most sensitive first: by SQNR of the logits (ascending; continuous,
/// so it separates layers that the agreement of a few hundred samples cannot), then drop_points. mac_share uses `total_macs` (> 0; else the sum of the layers' MACs).
/// Throws Error(kInvalidArgument) for an empty layer list; what Evaluate and `quantize` throw.
std::vector<LayerSensitivity> RankLayerSensitivity(const Model& fp32, const std::vector<LayerInfo>& layers,
                                                   std::int64_t total_macs, const QuantizeFn& quantize,
                                                   const Dataset& dataset, const SensitivityOptions& options);

/// One evaluated configuration of the fallback search.
struct FallbackStep {
  std::vector<std::string> keep_float;  ///< layers kept fp32, most sensitive first
  double float_mac_share = 0.0;         ///< MACs left in fp32 / total MACs
  LayerSensitivity result;              ///< fidelity of that configuration (layer fields empty)
};

/// What to keep in fp32: `fallback_top` > 0 keeps exactly the K most sensitive layers; otherwise
/// `max_drop_points` >= 0 keeps the most sensitive layers one at a time until the drop is at most
/// that many percentage points (or every layer is fp32).
struct FallbackCriteria {
  std::size_t fallback_top = 0;
  double max_drop_points = -1.0;
};

struct FallbackPlan {
  std::vector<FallbackStep> steps;  ///< every configuration evaluated, in order (steps[0]: nothing kept fp32)
  std::size_t chosen = 0;           ///< index of the configuration to use
  bool target_met = false;          ///< max_drop: the chosen step meets it; fallback_top: always true
};

/// Searches the fp32 fallback for `ranked` (from RankLayerSensitivity): evaluates the fully
/// quantized model, then keeps more of the most sensitive layers fp32 as `criteria` says.
/// Throws Error(kInvalidArgument) when neither criterion is set or K exceeds the layer count.
FallbackPlan PlanFallback(const Model& fp32, const std::vector<LayerSensitivity>& ranked, std::int64_t total_macs,
                          const QuantizeFn& quantize, const Dataset& dataset, const FallbackCriteria& criteria,
                          const SensitivityOptions& options);

}  // namespace qbench
