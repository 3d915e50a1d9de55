// src/lab/ort_backend_impl.h — the state of OrtLabBackend (one loaded model, its variants and
// sessions) shared by its files: ort_backend.cc (glue), lab_prepare.cc (variants), lab_measure.cc
// (timing, memory, op profiles), lab_evaluate.cc (accuracy). Private to the lab module.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/energy.h"
#include "qbench/benchmark/energy_observer.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/model/inspect.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/session_cache.h"

namespace qbench {
namespace lab_internal {

/// Milliseconds of std::chrono::steady_clock.
double NowMs();

/// The PointResult fields a measurement fills (latency statistics, samples, throughput, memory,
/// achieved MAC/s from `macs` per run); marks it ok.
void Fill(PointResult* r, const Measurement& m, std::int64_t macs);

/// A point's energy from the EnergyObserver's result for its model (`source`: the meter's sensor
/// source; per sample = per run / `batch`); the ratio only when `against_baseline`.
PointEnergy ToPointEnergy(const ModelEnergy& e, const std::string& source, std::int64_t batch, bool against_baseline);

// Runs `step`, prefixing any error with what was being done ("calibrating: ...").
template <typename F>
auto Step(const std::string& what, F&& step) -> decltype(step()) {
  try {
    return step();
  } catch (const Cancelled&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.code(), what + ": " + e.what());
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    throw Error(ErrorCode::kRuntime, what + ": " + e.what());
  }
}

}  // namespace lab_internal

// Coefficient of variation above which a point is listed in the model's "high_cv" warning.
constexpr double kHighCv = 0.10;

struct RuntimeCoverage;  // qbench/quantization/quantizer.h

struct OrtLabBackend::Impl {
  LabConfig config;
  std::vector<std::string> high_cv;  // points of the loaded model with CV > kHighCv
  WarningList* warnings = nullptr;
  std::int64_t threads0 = 1;
  std::int64_t size0 = 224;  // the loaded model's first input size (ModelJob::input_size)
  std::map<std::string, std::int64_t> fixed_sizes;  // spec → FixedInputSize
  ShapeOverrides user_shapes;                        // --dim / --shape (LabShapeOverrides)
  std::unique_ptr<EnergyMeter> meter;                // power sensors (config.sysfs_root), read during timed runs

  // The loaded model (one at a time).
  std::string name;
  LabModel model;
  std::map<std::string, Model> variants;        // variant → model (as in its file)
  std::map<std::string, ModelRecord> records;
  /// A variant measured as its file is (the baseline "fp32" of a file given with --models, an external
  /// variant) → the scheme row the file's content is like (SchemeLikeContent; nullptr: float32), for
  /// the traffic model of its operator profile: an int8 file given with --models moves int8 bytes.
  std::map<std::string, const SchemeInfo*> file_schemes;
  std::map<std::int64_t, std::int64_t> macs_per_sample;  // input size → MACs of one sample
  std::set<std::int64_t> macs_incomplete;                // input sizes whose MACs are a lower bound
  SessionCache sessions;  // "variant|t<threads>|b<rewritten batch or *>"

  std::string Baseline() const { return config.variants.front(); }

  const Model& VariantModel(const std::string& v) {
    auto it = variants.find(v);
    if (it == variants.end()) {
      auto r = records.find(v);
      throw Error(ErrorCode::kRuntime, "the " + v + " variant of '" + name + "' is not available" +
                                           (r != records.end() && !r->second.error.empty() ? ": " + r->second.error : ""));
    }
    return it->second;
  }

  std::int64_t MacsPerSample(std::int64_t input_size) {
    auto it = macs_per_sample.find(input_size);
    if (it != macs_per_sample.end()) return it->second;
    std::int64_t macs = 0;
    try {
      const Model& m = VariantModel(Baseline());
      const ModelSummary summary = InspectModel(m, LabShapes(m, 1, input_size, user_shapes));
      macs = summary.macs;
      if (!summary.macs_complete) macs_incomplete.insert(input_size);
    } catch (const std::exception&) {
      if (CancelRequested()) throw;
      macs = 0;
    }
    macs_per_sample[input_size] = macs;
    return macs;
  }

  // The cache key of variant `v`'s session at `threads` and `shapes`: per batch when its file fixes
  // the batch (then the sessions of its other batch sizes are not needed again and are released).
  std::string SessionKey(const std::string& v, const Model& m, std::int64_t threads, const std::vector<TensorInfo>& shapes) {
    const std::int64_t rewrite = BatchRewriteTarget(m, shapes);
    const std::string stem = v + "|t" + std::to_string(threads) + "|b";
    const std::string key = stem + (rewrite > 0 ? std::to_string(rewrite) : "*");
    if (rewrite > 0)
      sessions.ReleaseIf([&](const std::string& k) { return k.rfind(v + "|", 0) == 0 && k != key && k.back() != '*'; });
    return key;
  }

  // Variant `v`'s model runnable at `batch` and `input_size` (its file rewritten when it fixes another
  // batch: BatchRewriteTarget) and the lab's seeded inputs for it, in Model::Inputs() order.
  Model RunnableWithFeeds(const std::string& v, std::int64_t batch, std::int64_t input_size, std::vector<HostTensor>* feeds);

  // Memory of variant `v` alone at `group`'s point, in a child process (benchmark/memory_probe.h):
  // replaces the process-wide peak that Fill recorded, which includes every model loaded before.
  void ProbeMemory(PointResult* r, const SweepGroup& group, const std::string& v);

  // Adds the warnings a module collected in `from` to the lab's list.
  void Forward(const WarningList& from) {
    if (!warnings) return;
    for (const auto& w : from.items()) warnings->Add(w.code, w.message);
  }

  // Makes variant `v` (quantized) of the loaded model and writes its file. Errors name the step that
  // failed (calibrating, quantizing, writing); once the file is written, a failing analysis of it
  // (inspection, runtime coverage) is a warning on the record, not a failure of the variant.
  ModelRecord PrepareVariant(const ModelJob& job, const std::string& v, const ModelRecord& fp32_rec);
  // Variant "auto" whose search wrote `fp32` unchanged: its file and record (lab_prepare.cc).
  ModelRecord AutoKeptFp32(ModelRecord r, const Model& fp32, const ModelRecord& fp32_rec, LabAutoRecord summary);

  // An external variant (--compare-file, lab_external.cc): the file as it is, inspected (what it
  // holds) and its int8 share after ORT's optimization, never rewritten.
  ModelRecord PrepareExternal(const ModelJob& job, const ExternalVariant& e, const ModelRecord& fp32_rec);
  // True, with warning "u8s8_saturation" on `r` and the lab's list naming `who`, when model file `m`
  // (an int8 file given with --models or --compare-file) relies on u8·s8 kernels that saturate on this
  // CPU (FileUsesU8S8Kernels && OrtU8S8KernelsSaturate, kernel_probe.h).
  bool NoteU8S8Saturation(const Model& m, const std::string& who, ModelRecord* r);
  // The int8 share of MACs of `rc` (ORT's optimized graph) on `r`, or a warning saying why it is
  // unknown: one rule for qbench's variants, a file given with --models and an external file, so the
  // same int8 file shows the same share in every role (lab_prepare.cc).
  static void RecordInt8MacShare(const RuntimeCoverage& rc, ModelRecord* r);

  // Where ONNX Runtime places the variant's nodes with the lab's provider (runtime/placement.h), at
  // batch 1 and the model's first input size; a provider's silent CPU fallback is recorded and warned.
  void RecordPlacement(ModelRecord* r);
};

}  // namespace qbench
