#include "qbench/lab/ort_backend.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "qbench/benchmark/bench_report.h"
#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/environment.h"
#include "qbench/benchmark/memory.h"
#include "qbench/benchmark/memory_probe.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/eval/dataset.h"
#include "qbench/eval/evaluator.h"
#include "qbench/lab/model_content.h"
#include "qbench/lab/op_profile.h"
#include "qbench/lab/roofline.h"
#include "qbench/model/inspect.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/quantization/verify.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"
#include "qbench/runtime/session_cache.h"
#include "qbench/zoo/zoo.h"

namespace qbench {
namespace fs = std::filesystem;

ShapeOverrides LabShapes(const Model& model, std::int64_t batch, std::int64_t input_size, const ShapeOverrides& user) {
  ShapeOverrides ov;
  ov.batch = batch;
  const auto inputs = model.Inputs();
  const auto batched = BatchDimensions(inputs);
  for (const auto& in : inputs)  // --dim: the symbolic dims this model has
    for (std::size_t d = 0; d < in.dim_names.size(); ++d) {
      const auto v = user.dim_values.find(in.dim_names[d]);
      if (in.shape[d] < 0 && v != user.dim_values.end()) ov.dim_values[v->first] = v->second;
    }
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const TensorInfo& in = inputs[k];
    if (const auto given = user.input_shapes.find(in.name); given != user.input_shapes.end()) {
      std::vector<std::int64_t> shape = given->second;
      if (batched[k] && !shape.empty()) shape[0] = batch;
      ov.input_shapes[in.name] = shape;
      continue;
    }
    if (!in.has_shape || in.shape.size() != 4) continue;
    std::vector<std::int64_t> shape = {batched[k] ? batch : in.shape[0], in.shape[1] > 0 ? in.shape[1] : 3, in.shape[2],
                                       in.shape[3]};
    for (int d = 2; d < 4; ++d) {
      if (input_size > 0) {
        if (in.shape[d] > 0 && in.shape[d] != input_size)
          throw Error(ErrorCode::kUnsupported,
                      fmt::format("input '{}' of this model is fixed to {}x{} pixels; input size {} cannot run (use --input-size {})",
                                  in.name, in.shape[2], in.shape[3], input_size, in.shape[d]));
        shape[d] = input_size;
      } else if (in.shape[d] <= 0) {
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("input '{}' has a dynamic spatial size; give --input-size", in.name));
      }
    }
    ov.input_shapes[in.name] = shape;
  }
  return ov;
}

namespace {

double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool FixesBatch(const Model& model) {
  for (const auto& in : model.Inputs())
    if (in.has_shape && !in.shape.empty() && in.shape[0] > 0) return true;
  return false;
}

// The model as it must be run at `batch`: itself when its batch is dynamic or already `batch`.
Model AtBatch(const Model& model, std::int64_t batch) {
  if (!FixesBatch(model)) return model;
  return WithBatchSize(model, batch);
}


void Fill(PointResult* r, const Measurement& m, std::int64_t macs) {
  const Statistics& s = m.statistics;
  r->ok = true;
  r->error.clear();
  r->latency.n = static_cast<std::int64_t>(s.n);
  r->latency.mean_ms = s.mean_ms;
  r->latency.std_ms = s.stddev_ms;
  r->latency.median_ms = s.median_ms;
  r->latency.min_ms = s.min_ms;
  r->latency.max_ms = s.max_ms;
  r->latency.p90_ms = s.p90_ms;
  r->latency.ci95_low_ms = s.median_ci_low_ms;
  r->latency.ci95_high_ms = s.median_ci_high_ms;
  r->latency.median_ci_level = s.median_ci_level;
  r->latency.cv = s.cv;
  r->latency.ci_method = fmt::format("order statistics of the median (Conover 1999), coverage {:.3f}", s.median_ci_level);
  r->samples_ms = m.latency_ms;
  r->throughput_samples_per_s = m.throughput_samples_per_s;
  r->session_create_ms = m.session_create_ms;
  r->first_run_ms = m.first_run_ms;
  r->peak_rss_bytes = m.peak_rss_bytes;
  r->macs = macs;
  r->achieved_macs_per_s = macs > 0 && s.median_ms > 0 ? static_cast<double>(macs) / (s.median_ms / 1000.0) : 0;
}

// The quantizer's notes and warnings cite a measurement file that is not part of this repository;
// the lab's outputs say inline where those numbers come from instead.
std::string WithoutExternalCitations(std::string text) {
  static const std::vector<std::pair<std::string, std::string>> kReplace = {
      {"see MEASUREMENT.md; ", ""},
      {"(MEASUREMENT.md)", "(measured by qbench's authors with ONNX Runtime 1.30 on a 2-vCPU AMD EPYC Zen 5)"},
      {"MEASUREMENT.md: ", "measured by qbench's authors with ONNX Runtime 1.30 on a 2-vCPU AMD EPYC Zen 5: "},
      {"MEASUREMENT.md", "qbench's measurements with ONNX Runtime 1.30"}};
  for (const auto& [from, to] : kReplace)
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
      text.replace(pos, from.size(), to);
  return text;
}

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

}  // namespace

// Coefficient of variation above which a point is listed in the model's "high_cv" warning.
constexpr double kHighCv = 0.10;

struct OrtLabBackend::Impl {
  LabConfig config;
  std::vector<std::string> high_cv;  // points of the loaded model with CV > kHighCv
  WarningList* warnings = nullptr;
  std::int64_t threads0 = 1;
  std::int64_t size0 = 224;  // the loaded model's first input size (ModelJob::input_size)
  std::map<std::string, std::int64_t> fixed_sizes;  // spec → FixedInputSize
  ShapeOverrides user_shapes;                        // --dim / --shape (LabShapeOverrides)

  // The loaded model (one at a time).
  std::string name;
  LabModel model;
  std::map<std::string, Model> variants;        // variant → model (as in its file)
  std::map<std::string, ModelRecord> records;
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

  // Memory of variant `v` alone at `group`'s point, in a child process (benchmark/memory_probe.h):
  // replaces the process-wide peak that Fill recorded, which includes every model loaded before.
  void ProbeMemory(PointResult* r, const SweepGroup& group, const std::string& v) {
    auto rec = records.find(v);
    if (rec == records.end() || rec->second.file.empty()) return;
    MemoryProbeRequest q;
    q.model = rec->second.file;
    q.shapes = LabShapes(VariantModel(v), group.batch, group.input_size);
    q.batch = group.batch;
    q.intra_op_threads = static_cast<int>(group.threads);
    q.seed = config.seed;
    const MemoryProbeResult m = ProbeMemoryIsolated(q);
    if (m.ok) {
      r->peak_rss_bytes = m.peak_rss_bytes;
      r->weights_memory_bytes = m.weights_bytes;
      r->session_memory_bytes = m.session_bytes;
      r->arena_peak_bytes = m.arena_peak_bytes;
      r->memory_method = "isolated";
      r->memory_error.clear();
    } else {
      r->memory_method = "process";
      r->memory_error = m.error;
      if (warnings)
        warnings->Add("memory_not_isolated", fmt::format("{} {} b{}: memory could not be measured in a separate process "
                                                         "({}); its peak RSS is the lab process's, which includes the "
                                                         "models loaded before it",
                                                         group.model, v, group.batch, m.error));
    }
  }

  // Adds the warnings a module collected in `from` to the lab's list, citations made inline.
  void Forward(const WarningList& from) {
    if (!warnings) return;
    for (const auto& w : from.items()) warnings->Add(w.code, WithoutExternalCitations(w.message));
  }

  // Makes variant `v` (quantized) of the loaded model and writes its file. Errors name the step that
  // failed (calibrating, quantizing, writing); once the file is written, a failing analysis of it
  // (inspection, runtime coverage) is a warning on the record, not a failure of the variant.
  ModelRecord PrepareVariant(const ModelJob& job, const std::string& v, const ModelRecord& fp32_rec) {
    const LabVariantInfo& info = FindLabVariant(v);
    ModelRecord r;
    r.model = job.model.name;
    r.model_spec = job.model.spec;
    r.variant = v;
    r.params = fp32_rec.params;
    r.original_bits = fp32_rec.original_bits;
    r.macs_per_sample = fp32_rec.macs_per_sample;
    auto prev = job.previous.find(v);
    if (prev != job.previous.end() && prev->second.ok && !prev->second.file.empty() && fs::exists(prev->second.file) &&
        !info.IsBaseline()) {
      variants[v] = Step("loading the earlier " + v + " file '" + prev->second.file + "'", [&] { return LoadModel(prev->second.file); });
      return prev->second;
    }
    const Model& fp32 = variants.at("fp32");
    QuantizeOptions q;
    const SchemeInfo& scheme = *info.scheme;
    q.scheme = scheme.name;
    q.granularity = info.weight_granularity;
    const bool calibrated = scheme.needs_calibration;
    // Calibration settings concern calibrated variants only: the other schemes ignore them.
    if (calibrated && !config.calibration_method.empty()) q.calibration.method = ParseCalibrationMethod(config.calibration_method);
    q.intra_op_threads = static_cast<int>(threads0);
    const double t0 = NowMs();
    WarningList module_warnings;
    std::unique_ptr<CalibrationDataReader> reader;
    CalibrationDataSpec spec;  // uncalibrated variants: empty path, so verification uses generated inputs
    spec.seed = config.seed;
    spec.shape_overrides = LabShapes(fp32, 1, size0, user_shapes);
    if (calibrated) {
      spec.path = config.split ? config.eval_data : config.calibration_data;
      spec.split_part = config.split;  // the calibration part; Evaluate uses the rest
      spec.preprocess = LabPreprocess(config, size0);
      spec.size = config.calibration_size;
      spec.batch_size = 1;
      reader = Step("opening the calibration data", [&] { return MakeCalibrationDataReader(fp32, spec, &module_warnings); });
    }
    QuantizeResult result = Step(calibrated ? "calibrating and quantizing" : "quantizing",
                                 [&] { return QuantizeModel(fp32, q, reader.get(), &module_warnings); });
    Forward(module_warnings);
    r.quantize_ms = NowMs() - t0;
    r.file = job.models_dir + "/" + job.model.name + "." + v + ".onnx";
    // Verified before it is written (verify.h): the same check and fp32 fallback as `qbench quantize`.
    WarningList scratch;  // re-quantizing repeats warnings already forwarded
    const RequantizeFn requantize = [&](const std::vector<std::string>& keep) {
      QuantizeOptions again = q;
      again.exclude.insert(again.exclude.end(), keep.begin(), keep.end());
      std::unique_ptr<CalibrationDataReader> rd;
      if (calibrated) rd = MakeCalibrationDataReader(fp32, spec, &scratch);
      return QuantizeModel(fp32, again, rd.get(), &scratch);
    };
    VerifyOptions vo;
    vo.session.intra_op_threads = static_cast<int>(threads0);
    VerifiedQuantization verified = Step("verifying and writing '" + r.file + "'", [&] {
      CalibrationDataSpec vs = spec;
      vs.size = vs.path.empty() ? vo.max_samples : std::min(vs.size, vo.max_samples);
      auto vr = MakeCalibrationDataReader(fp32, vs, &scratch);
      return VerifyAndSave(fp32, std::move(result), requantize, ReadVerificationData(*vr, vo.max_samples), r.file, vo);
    });
    result = std::move(verified.result);
    r.verification = VerificationToJson(verified.verification);
    if (verified.verification.collapsed) r.warnings.push_back("verification: an output collapsed against fp32 (see verification)");
    for (const auto& k : verified.verification.kept_fp32)
      r.warnings.push_back("verification kept " + k.node + " (" + k.op_type + ") fp32: " + k.reason);
    r.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(r.file));
    r.weight_precision = PrecisionName(scheme.weight_precision);
    r.activation_precision = result.report.activations;
    r.calibration = result.report.calibration;
    for (const auto& c : result.report.by_op_type) r.op_coverage[c.op_type] = OpCoverage{c.quantized, c.kept_float};
    try {
      const ModelSummary s = InspectModel(result.model, LabShapes(result.model, 1, size0, user_shapes));
      r.weight_bytes_by_dtype = s.weight_bytes_by_dtype;
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      r.warnings.push_back(std::string("inspect: weight bytes by dtype unknown: ") + e.what());
    }
    try {
      result.report.runtime =
          AnalyzeRuntimeCoverage(result.model, LabShapes(result.model, 1, size0, user_shapes), "extended", static_cast<int>(threads0));
      if (result.report.runtime.analyzed && IsIntegerPrecision(scheme.weight_precision))
        r.int8_mac_share = result.report.runtime.int8_mac_share;
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      r.warnings.push_back(std::string("runtime coverage: the int8 share of MACs is unknown: ") + e.what());
    }
    nlohmann::json report = nlohmann::json::parse(WithoutExternalCitations(QuantizeReportToJson(result.report)), nullptr, false);
    if (report.is_object()) report.erase("nodes");  // per-node decisions: see `qbench quantize --report`
    r.coverage_report = report;
    for (const auto& w : result.report.warnings) r.warnings.push_back(w.code + ": " + WithoutExternalCitations(w.message));
    r.ok = true;
    variants[v] = std::move(result.model);
    return r;
  }
};

OrtLabBackend::OrtLabBackend(const LabConfig& config, WarningList* warnings) : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->warnings = warnings;
  impl_->threads0 = config.threads.values.empty() ? DefaultThreadCount() : config.threads.values.front();
  impl_->size0 = config.input_sizes.values.empty() ? 224 : config.input_sizes.values.front();
  impl_->user_shapes = LabShapeOverrides(config);
}

OrtLabBackend::~OrtLabBackend() = default;

std::int64_t OrtLabBackend::ModelMacs(const std::string& spec, std::int64_t input_size) {
  if (IsZooSpec(spec)) {
    ZooOptions zo;
    zo.input_size = static_cast<int>(input_size);
    return ZooArchitectureStats(spec.substr(4), zo).macs;
  }
  Model m = LoadModel(spec);
  return InspectModel(m, LabShapes(m, 1, input_size, impl_->user_shapes)).macs;
}

bool OrtLabBackend::ModelMacsComplete(const std::string& spec, std::int64_t input_size) {
  if (IsZooSpec(spec)) return true;  // built in code from standard ops
  Model m = LoadModel(spec);
  return InspectModel(m, LabShapes(m, 1, input_size, impl_->user_shapes)).macs_complete;
}

std::int64_t OrtLabBackend::FixedInputSize(const std::string& spec) {
  if (IsZooSpec(spec)) return 0;  // zoo models keep N, H and W dynamic
  auto it = impl_->fixed_sizes.find(spec);
  if (it != impl_->fixed_sizes.end()) return it->second;
  std::int64_t size = 0;
  bool image_input = false, unknown_rank = false;
  for (const auto& in : LoadModel(spec).Inputs()) {
    unknown_rank = unknown_rank || !in.has_shape;
    if (!in.has_shape || in.shape.size() != 4) continue;
    image_input = true;
    if (in.shape[2] <= 0 || in.shape[3] <= 0) continue;
    size = in.shape[2] == in.shape[3] ? in.shape[2] : -1;
    break;
  }
  // No image input at all (token ids, feature vectors): --input-size cannot apply, so the model is
  // measured once at its own shape instead of once per configured size under a made-up pixel label.
  if (!image_input && !unknown_rank) size = -1;
  impl_->fixed_sizes[spec] = size;
  return size;
}

RooflinePeaks OrtLabBackend::EstimatePeaks(std::int64_t threads) {
  const std::string cache = impl_->config.roofline_cache.empty() ? DefaultRooflineCachePath() : impl_->config.roofline_cache;
  RooflinePeaks p = ReadCachedRoofline(cache, threads);
  if (p.ok && !impl_->config.refresh_roofline) {
    p.method = fmt::format("the cached roofline peaks of this machine (fp32 {:.1f} GMAC/s, {} thread(s))", p.fp32_macs_per_s / 1e9, threads);
    return p;
  }
  return QuickSpeedEstimate(threads);
}

RooflinePeaks OrtLabBackend::RooflineFor(std::int64_t threads) {
  const std::string cache = impl_->config.roofline_cache.empty() ? DefaultRooflineCachePath() : impl_->config.roofline_cache;
  return LoadOrMeasureRoofline(threads, cache, impl_->warnings, impl_->config.refresh_roofline);
}

std::vector<ModelRecord> OrtLabBackend::PrepareModel(const ModelJob& job) {
  Impl& I = *impl_;
  ReleaseModel(I.name);
  I.name = job.model.name;
  I.model = job.model;
  I.size0 = job.input_size;
  ZooOptions zo;
  zo.input_size = static_cast<int>(std::clamp<std::int64_t>(I.size0, 32, 4096));
  zo.seed = I.config.seed;
  Model fp32 = Step("loading '" + job.model.spec + "'", [&] { return LoadModelOrZoo(job.model.spec, zo); });

  ModelRecord base;
  base.model = job.model.name;
  base.model_spec = job.model.spec;
  base.variant = "fp32";
  base.weight_precision = "fp32";
  base.activation_precision = "fp32";
  try {
    const ModelSummary s = InspectModel(fp32, LabShapes(fp32, 1, I.size0, I.user_shapes));
    base.params = s.params;
    base.macs_per_sample = s.macs;
    base.weight_bytes_by_dtype = s.weight_bytes_by_dtype;
    base.file_size_bytes = static_cast<std::int64_t>(s.file_size_bytes);
    base.macs_complete = s.macs_complete;
    I.macs_per_sample[I.size0] = s.macs;
    if (!s.macs_complete) I.macs_incomplete.insert(I.size0);
    // Labelled by what the file holds (a model given with --models may already be int8 or fp16).
    const ModelContent content = DescribeModelContent(s);
    base.content = content.label;
    base.original_bits = content.weight_bits;
    base.weight_precision = content.weight_precision;
    base.activation_precision = content.activation_precision;
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    base.warnings.push_back(std::string("inspect: ") + e.what());
  }
  if (IsZooSpec(job.model.spec)) {
    base.file = job.models_dir + "/" + job.model.name + ".fp32.onnx";
    auto prev = job.previous.find("fp32");
    if (!(prev != job.previous.end() && prev->second.ok && fs::exists(base.file))) SaveModel(fp32, base.file);
    base.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(base.file));
  } else {
    base.file = job.model.spec;
    if (base.file_size_bytes == 0) base.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(base.file));
  }
  base.ok = true;
  I.variants["fp32"] = std::move(fp32);

  std::vector<ModelRecord> out;
  for (const auto& v : job.variants) {
    if (FindLabVariant(v).IsBaseline()) {
      out.push_back(base);
      I.records[v] = base;
      continue;
    }
    ModelRecord r;
    try {
      r = I.PrepareVariant(job, v, base);
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      r.model = job.model.name;
      r.model_spec = job.model.spec;
      r.variant = v;
      r.ok = false;
      r.error = e.what();
    }
    I.records[v] = r;
    out.push_back(r);
  }
  return out;
}

std::vector<PointResult> OrtLabBackend::MeasureGroup(const SweepGroup& group, const std::vector<std::string>& record) {
  Impl& I = *impl_;
  if (group.model != I.name) throw Error(ErrorCode::kRuntime, "model '" + group.model + "' is not loaded (internal order error)");
  std::map<std::string, PointResult> results;
  for (const auto& v : record) {
    PointResult& r = results[v];
    r.point = SweepPoint{group.model, v, group.batch, group.input_size, group.threads};
    r.model_spec = I.model.spec;
  }
  auto fail_all = [&](const std::string& why) {
    std::vector<PointResult> out;
    for (const auto& v : record) {
      PointResult r = results[v];
      r.ok = false;
      r.error = why;
      out.push_back(r);
    }
    return out;
  };

  // The variants timed together: the baseline (for the speedups) and those to record.
  const std::string base = I.Baseline();
  std::vector<std::string> timed;
  if (I.variants.count(base)) timed.push_back(base);
  for (const auto& v : record)
    if (v != base) timed.push_back(v);

  // Identical seeded inputs for every variant, at the first available variant's shapes.
  const Model* ref = nullptr;
  for (const auto& v : timed)
    if (I.variants.count(v)) {
      ref = &I.variants.at(v);
      break;
    }
  if (!ref) return fail_all("no variant of '" + group.model + "' could be made");
  std::vector<TensorInfo> shapes;
  try {
    shapes = ResolveInputShapes(*ref, LabShapes(*ref, group.batch, group.input_size, I.user_shapes));
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    return fail_all(e.what());
  }
  const std::int64_t macs = I.MacsPerSample(group.input_size) * group.batch;

  std::vector<CompareModel> models;
  for (const auto& v : timed) {
    try {
      const Model& m = I.VariantModel(v);
      models.push_back({v, &m, shapes, I.SessionKey(v, m, group.threads, shapes)});
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      if (results.count(v)) results[v].error = e.what();
    }
  }
  CompareOptions co;
  co.config.warmup_runs = I.config.warmup_runs;
  co.config.repetitions = I.config.repetitions;
  co.config.max_repetitions = I.config.repetitions;
  co.config.cv_threshold = 0;  // exactly k runs: the lab's duration stays predictable; the CI shows the noise
  co.config.batch_size = group.batch;
  co.config.seed = I.config.seed;
  co.session.intra_op_threads = static_cast<int>(group.threads);
  co.session.allow_spinning = false;  // a variant alone: as before, no spinning pool left idle between groups
  co.session.graph_optimization = "all";
  co.input_seed = I.config.seed;
  co.keep_going = true;
  co.usage_errors_propagate = false;  // a variant that cannot run is recorded, the others are measured
  co.time_alone_if_interleaving_fails = true;
  co.context = fmt::format("{} batch {} size {} threads {}", group.model, group.batch, group.input_size, group.threads);
  co.cache = &I.sessions;
  ResetPeakRss();
  if (!models.empty()) {
    const Comparison cmp = CompareModels(models, co);
    if (I.warnings)
      for (const auto& w : cmp.warnings) I.warnings->Add(w.code, w.message);
    for (std::size_t i = 0; i < models.size(); ++i) {
      const std::string& v = models[i].label;
      const ComparedModel& c = cmp.models[i];
      if (!results.count(v)) continue;
      PointResult& r = results[v];
      if (!c.ok) {
        r.ok = false;
        r.error = c.error;
        continue;
      }
      Fill(&r, c.measurement, macs);
      if (I.macs_incomplete.count(group.input_size)) r.achieved_macs_per_s = 0;  // no rate from a lower bound
      r.timing = c.timing;
      if (i > 0 && models[0].label == base && c.has_speedup) {
        r.has_speedup = std::isfinite(c.speedup.speedup);
        r.baseline_variant = base;
        r.speedup = c.speedup.speedup;
        r.speedup_ci95_low = c.speedup.ci_low;
        r.speedup_ci95_high = c.speedup.ci_high;
      }
      if (std::isfinite(c.measurement.statistics.cv) && c.measurement.statistics.cv > kHighCv)
        I.high_cv.push_back(fmt::format("{} b{} s{} t{} ({:.0f} %)", v, group.batch, group.input_size, group.threads,
                                        100 * c.measurement.statistics.cv));
    }
  }
  std::vector<PointResult> out;
  for (const auto& v : record) {
    PointResult r = results[v];
    if (!r.ok && r.error.empty()) r.error = "not measured";
    if (r.ok) I.ProbeMemory(&r, group, v);
    out.push_back(r);
  }
  return out;
}

std::vector<OpProfileRecord> OrtLabBackend::ProfileOps(const SweepGroup& group, const std::vector<std::string>& variants) {
  Impl& I = *impl_;
  std::vector<OpProfileRecord> out;
  // MACs and tensor sizes come from the fp32 graph; profiled nodes are attributed to its nodes.
  ReferenceGraph ref;
  std::string ref_error;
  try {
    const Model& fp32 = I.variants.at("fp32");
    ref = BuildReferenceGraph(fp32, LabShapes(fp32, group.batch, group.input_size, I.user_shapes));
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    ref_error = e.what();
  }
  for (const auto& v : variants) {
    OpProfileRecord r;
    const SchemeInfo* scheme = FindLabVariant(v).scheme;
    TrafficModel traffic;  // the baseline: 4 bytes everywhere
    if (scheme) traffic = TrafficModel{scheme->WeightBytes(), scheme->InputBytes(), scheme->OutputBytes()};
    try {
      if (!ref_error.empty()) throw Error(ErrorCode::kRuntime, "cannot analyse the fp32 graph: " + ref_error);
      const Model m = AtBatch(I.VariantModel(v), group.batch);
      const auto shapes = ResolveInputShapes(m, LabShapes(m, group.batch, group.input_size, I.user_shapes));
      InputOptions io;
      io.seed = I.config.seed;
      const auto generated = GenerateInputs(m, shapes, io);
      std::vector<HostTensor> feeds;
      for (const auto& g : generated) feeds.push_back(g.tensor);
      r = ProfileModelOps(m, feeds, static_cast<int>(group.threads), 2, 5, I.config.output_dir, ref, traffic);
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      r.ok = false;
      r.error = e.what();
    }
    r.model = group.model;
    r.variant = v;
    r.batch = group.batch;
    r.input_size = group.input_size;
    r.threads = group.threads;
    out.push_back(r);
  }
  return out;
}

std::vector<AccuracyRecord> OrtLabBackend::Evaluate(const std::string& model, const std::vector<std::string>& variants) {
  Impl& I = *impl_;
  DatasetSpec spec;
  spec.path = I.config.eval_data;
  spec.preprocess = LabPreprocess(I.config, I.size0);
  spec.limit = I.config.eval_limit;
  spec.seed = I.config.seed;
  if (I.config.split) {  // the evaluation part, disjoint from the calibration part PrepareVariant used
    spec.split_calibration = I.config.calibration_size;
    spec.part = DatasetPart::kEvaluation;
  }
  auto dataset = OpenDataset(spec);
  SessionConfig sc;
  sc.intra_op_threads = static_cast<int>(I.threads0);
  EvalOptions eo;
  eo.limit = I.config.eval_limit;
  const std::string base = I.Baseline();
  std::unique_ptr<OrtRunner> base_runner;
  try {
    base_runner = OrtRunner::Create(I.VariantModel(base), sc);
  } catch (const std::exception&) {
    if (CancelRequested()) throw;
    base_runner.reset();
  }
  std::vector<AccuracyRecord> out;
  for (const auto& v : variants) {
    AccuracyRecord a;
    a.model = model;
    a.variant = v;
    try {
      const Model& m = I.VariantModel(v);
      eo.batch_size = FixesBatch(m) ? 1 : 4;
      std::unique_ptr<OrtRunner> own;
      OrtRunner* runner = v == base ? base_runner.get() : nullptr;
      if (!runner) {
        own = OrtRunner::Create(m, sc);
        runner = own.get();
      }
      const AccuracyResult res = qbench::Evaluate(*runner, *dataset, eo, v == base ? nullptr : base_runner.get());
      a.ok = true;
      a.dataset = res.dataset;
      a.samples = static_cast<std::int64_t>(res.count);
      a.top1 = res.top1;
      a.top1_ci95_low = res.top1_ci95.lo;
      a.top1_ci95_high = res.top1_ci95.hi;
      a.top5 = res.top5;
      // The baseline is not compared with itself: its agreement is "not measured" (-1).
      a.top1_agreement = v != base && std::isfinite(res.top1_agreement) ? res.top1_agreement : -1;
      a.top1_agreement_ci95_low = res.top1_agreement_ci95.lo;
      a.top1_agreement_ci95_high = res.top1_agreement_ci95.hi;
      a.num_classes = static_cast<std::int64_t>(res.num_classes);
      a.labels_out_of_range = static_cast<std::int64_t>(res.labels_out_of_range);
      if (v != base && res.has_reference && res.labelled > 0) {
        a.has_paired = true;
        a.labelled = static_cast<std::int64_t>(res.labelled);
        a.both_correct = static_cast<std::int64_t>(res.both_top1_correct);
        a.variant_only_correct = static_cast<std::int64_t>(res.model_only_top1_correct);
        a.baseline_only_correct = static_cast<std::int64_t>(res.reference_only_top1_correct);
        a.top1_change = res.top1_change.estimate;
        a.top1_change_ci95_low = res.top1_change.lo;
        a.top1_change_ci95_high = res.top1_change.hi;
        a.mcnemar_p = res.top1_change_mcnemar_p;
      }
      if (!res.classification) {
        // Output 0 is not class scores: no top-1 exists; label-free fidelity against the baseline on
        // the same samples instead (what `qbench eval --reference` computes).
        a.metric = "fidelity";
        a.top1 = a.top5 = 0;
        a.top1_agreement = -1;
        if (v != base) {
          if (!res.has_reference || res.outputs.empty()) {
            a.ok = false;
            a.error = "the model's first output is not class scores and the " + base +
                      " baseline could not be run to compare its outputs with";
          } else {
            a.sqnr_db = res.sqnr_db;
            a.cosine = res.cosine;
            for (const auto& o : res.outputs) a.output_sqnr_db[o.name] = o.sqnr_db;
          }
        }
      } else if (!std::isfinite(res.top1)) {
        a.ok = false;
        a.error = "the evaluation data has no labels: top-1 needs a label per sample (a labels CSV, class folders, "
                  "labels.npy or .labels.u8)";
      }
      if (I.warnings)
        for (const auto& w : res.warnings) I.warnings->Add(w.code, model + " " + v + ": " + w.message);
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      a.ok = false;
      a.error = e.what();
    }
    out.push_back(a);
  }
  return out;
}

void OrtLabBackend::ReleaseModel(const std::string& model) {
  Impl& I = *impl_;
  if (model != I.name) return;
  if (I.warnings && !I.high_cv.empty()) {
    std::string list;
    for (std::size_t i = 0; i < I.high_cv.size() && i < 8; ++i) list += (i ? ", " : "") + I.high_cv[i];
    if (I.high_cv.size() > 8) list += fmt::format(", and {} more", I.high_cv.size() - 8);
    I.warnings->Add("high_cv", fmt::format("{}: {} point(s) with a coefficient of variation above {:.0f} % ({}); the machine "
                                           "was busy or the runs are short: close other programs, pin the process "
                                           "(taskset) or raise --repetitions; the medians and CIs in the report account "
                                           "for the spread",
                                           model, I.high_cv.size(), 100 * kHighCv, list));
  }
  I.high_cv.clear();
  I.sessions.Clear();
  I.variants.clear();
  I.records.clear();
  I.macs_per_sample.clear();
  I.macs_incomplete.clear();
  I.name.clear();
}

nlohmann::json OrtLabBackend::Environment() {
  BenchReport r;
  r.environment = CaptureEnvironment("cpu", static_cast<int>(impl_->threads0), 0, "all", false);
  const auto j = nlohmann::json::parse(BenchReportJson(r), nullptr, false);
  if (j.is_object() && j.contains("environment")) return j["environment"];
  return nlohmann::json::object();
}

}  // namespace qbench
