// qbench/eval/evaluator.h — running a model over a dataset: accuracy (top-1/top-5 with Wilson
// intervals) and, against a reference model, fidelity (top-1 agreement, KL, SQNR, cosine).
// STABLE API used by the CLI (`qbench eval`) and the lab. Extend, don't break.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "qbench/core/log.h"
#include "qbench/data/dataset.h"
#include "qbench/data/metrics.h"
#include "qbench/runtime/runner.h"

namespace qbench {

struct EvalOptions {
  /// Samples per Run for a model whose batch dimension is dynamic. A model that fixes dim 0 to B
  /// is always run with B samples (a last partial batch is padded with copies of its last sample,
  /// whose outputs are dropped); make a fixed-batch model dynamic with WithBatchSize first.
  std::size_t batch_size = 1;
  std::size_t limit = 0;        ///< evaluate at most this many samples (0 = the whole dataset)
  int decode_threads = 0;       ///< producer threads decoding ahead; 0 = min(4, hardware threads)
  std::size_t prefetch = 0;     ///< decoded samples allowed ahead of inference; 0 = 4 × batch + threads
  int top_k = 5;                ///< the "top-5" of the result (k >= 1)
  std::size_t max_skipped_listed = 20;  ///< AccuracyResult::skipped_samples keeps at most this many
  /// Called after each batch with (samples done, total) — for progress on stderr. May be empty.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

/// SQNR and cosine of one model output against the reference model's same output.
struct OutputFidelity {
  std::string name;
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();  ///< over all samples (summed energies)
  double cosine = std::numeric_limits<double>::quiet_NaN();   ///< mean per-sample cosine similarity
};

/// A sample that could not be decoded (counted in `skipped`, not in `count`).
struct SkippedSample {
  std::string id;
  std::string reason;
};

/// What Evaluate measured. Fractions are in [0,1]; NaN marks "not measured" (no labels, no
/// reference, not a classifier).
struct AccuracyResult {
  std::string dataset;           ///< Dataset::Describe()
  std::size_t count = 0;         ///< samples evaluated (decoded and run)
  std::size_t skipped = 0;       ///< samples whose file could not be read or decoded
  std::vector<SkippedSample> skipped_samples;  ///< the first max_skipped_listed of them
  std::size_t batch_size = 0;    ///< samples per Run actually used
  /// True when output 0 holds class scores (float [N,C], C >= 2, or [N,C,1,1]): top-k,
  /// agreement and KL are computed on it.
  bool classification = false;
  std::size_t num_classes = 0;

  // Against the labels (labelled samples only).
  std::size_t labelled = 0;
  int top_k = 5;
  std::size_t top1_correct = 0;
  std::size_t top5_correct = 0;  ///< label among the top_k scores
  std::size_t labels_out_of_range = 0;  ///< labels >= num_classes: the labels do not belong to this model
  double top1 = std::numeric_limits<double>::quiet_NaN();
  double top5 = std::numeric_limits<double>::quiet_NaN();
  Interval top1_ci95, top5_ci95;  ///< Wilson 95 % intervals

  // Against the reference model (when one is given).
  bool has_reference = false;
  std::size_t reference_top1_correct = 0;  ///< the reference's own accuracy on the same samples
  std::size_t reference_top5_correct = 0;
  double reference_top1 = std::numeric_limits<double>::quiet_NaN();
  double reference_top5 = std::numeric_limits<double>::quiet_NaN();
  /// The paired 2x2 table of top-1 correctness on the labelled samples (McNemar's design; the
  /// fourth cell, neither correct, is labelled − the three): both right, only the model right, only
  /// the reference right. PairedProportionDifference of these gives the paired top-1 change.
  std::size_t both_top1_correct = 0;
  std::size_t model_only_top1_correct = 0;
  std::size_t reference_only_top1_correct = 0;
  /// top1 − reference_top1 with its 95 % paired interval (Newcombe 1998, metrics.h); NaN without
  /// labels or reference.
  PairedDifference top1_change{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::quiet_NaN()};
  double top1_change_mcnemar_p = std::numeric_limits<double>::quiet_NaN();  ///< exact McNemar P-value
  std::size_t agreement_count = 0;  ///< samples whose argmax equals the reference's argmax
  double top1_agreement = std::numeric_limits<double>::quiet_NaN();
  Interval top1_agreement_ci95;
  double mean_kl = std::numeric_limits<double>::quiet_NaN();  ///< nats, KL(softmax(ref) ‖ softmax(model))
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();  ///< output 0 (the logits)
  double cosine = std::numeric_limits<double>::quiet_NaN();   ///< output 0, mean per sample
  std::vector<OutputFidelity> outputs;  ///< every output, in the model's output order

  // Throughput of the pipelined decode + inference loop.
  double wall_s = 0.0;
  double images_per_s = 0.0;  ///< count / wall_s
  std::vector<Warning> warnings;
};

/// Runs `model` (and `reference`, when not null, on the very same decoded samples) over `dataset`.
/// Decoding runs on a pool of producer threads that decode ahead into a bounded in-order queue
/// while the calling thread runs inference. Samples whose Get() throws Error(kInvalidInput /
/// kNotFound / kIo) are skipped and counted; other errors propagate.
/// The model must have one input; the sample shape must equal the input shape without dim 0
/// (fixed dims must match). Metrics: see AccuracyResult and metrics.h.
/// Throws Error(kUnsupported) for a model with several inputs or an unsupported input dtype,
/// Error(kInvalidArgument) for a sample/input shape mismatch (naming both shapes and the flags to
/// fix it) or reference outputs of another shape, Error(kInvalidInput) when the dataset is empty or
/// no sample could be decoded, Error(kRuntime) from the engine. A shape mismatch of a dataset that
/// is FedAsStored() (npy) is Error(kInvalidInput) instead: the file is wrong, not a flag.
AccuracyResult Evaluate(Runner& model, const Dataset& dataset, const EvalOptions& options,
                        Runner* reference = nullptr);

/// Checks that `sample` (one example, no batch dim) can feed a model whose inputs are
/// `model_inputs` (TensorInfo from Model::Inputs() or Runner::inputs(); -1 = dynamic): one input,
/// the same dtype, rank + 1 with every fixed dim after dim 0 equal. `which` names the model in
/// messages ("the model"). Throws Error(kUnsupported) for several inputs or another dtype, and for
/// a shape mismatch Error(kInvalidInput) when `fed_as_stored` (npy: the file is wrong, exit 1) or
/// Error(kInvalidArgument) otherwise (images: the preprocessing flags are, exit 2).
void CheckSampleFitsModel(const std::vector<TensorInfo>& model_inputs, const HostTensor& sample,
                          const std::string& sample_id, const std::string& which, bool fed_as_stored);

/// CheckSampleFitsModel on sample 0 of `dataset`, before any expensive work (quantization,
/// calibration). A sample 0 that cannot be decoded (kInvalidInput/kNotFound/kIo) is left to
/// Evaluate to skip and count; an empty dataset passes (Evaluate reports it).
void CheckDatasetFitsModel(const Dataset& dataset, const std::vector<TensorInfo>& model_inputs,
                           const std::string& which);

}  // namespace qbench
