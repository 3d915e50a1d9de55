// OrtLabBackend: the lab on ONNX Runtime — the glue (model facts, roofline, environment, release).
#include "qbench/lab/ort_backend.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/environment.h"
#include "qbench/lab/model_content.h"
#include "qbench/lab/roofline.h"
#include "qbench/zoo/zoo.h"

#include "ort_backend_impl.h"

namespace qbench {
using namespace lab_internal;  // NOLINT(build/namespaces)

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

namespace lab_internal {

double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace lab_internal

OrtLabBackend::OrtLabBackend(const LabConfig& config, WarningList* warnings) : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->warnings = warnings;
  impl_->threads0 = config.threads.values.empty() ? DefaultThreadCount() : config.threads.values.front();
  impl_->size0 = config.input_sizes.values.empty() ? 224 : config.input_sizes.values.front();
  impl_->user_shapes = LabShapeOverrides(config);
  impl_->meter = std::make_unique<EnergyMeter>(DiscoverEnergySensors(config.sysfs_root));
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

std::string OrtLabBackend::ModelMacsGap(const std::string& spec, std::int64_t input_size) {
  if (IsZooSpec(spec)) return "";  // built in code from standard ops
  Model m = LoadModel(spec);
  return MacsGapCause(InspectModel(m, LabShapes(m, 1, input_size, impl_->user_shapes)));
}

std::int64_t OrtLabBackend::ModelActivationElements(const std::string& spec, std::int64_t input_size) {
  if (IsZooSpec(spec)) {
    ZooOptions zo;
    zo.input_size = static_cast<int>(input_size);
    return ZooArchitectureStats(spec.substr(4), zo).activation_elements;
  }
  Model m = LoadModel(spec);
  std::int64_t elements = 0;
  for (const auto& n : InspectModel(m, LabShapes(m, 1, input_size, impl_->user_shapes)).nodes) {
    if (!n.has_mac_formula || n.output_shape.empty()) continue;
    std::int64_t e = 1;
    for (auto d : n.output_shape) e = d > 0 ? e * d : 0;
    elements += e;
  }
  return elements;
}

std::string OrtLabBackend::ModelContentLabel(const std::string& spec, std::int64_t input_size) {
  if (IsZooSpec(spec)) return "fp32";  // built in code in fp32
  Model m = LoadModel(spec);
  return DescribeModelContent(InspectModel(m, LabShapes(m, 1, input_size, impl_->user_shapes))).label;
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
  // The rate is measured now (achieved, under the load of the moment), never the cached peaks: a
  // MatMul peak is no model's rate, and one cached under other load was off 10x (docs/measurement.md).
  RooflinePeaks p = QuickSpeedEstimate(threads);
  // The run measures the peaks when there are none cached, when asked, or when the cached ones are
  // stale (RooflineFor): only otherwise is measuring them free.
  const RooflinePeaks cached = ReadCachedRoofline(cache, threads);
  p.from_cache = cached.ok && !impl_->config.refresh_roofline && !(impl_->config.roofline && CachedRooflineBelowNow(cached, threads));
  return p;
}

RooflinePeaks OrtLabBackend::RooflineFor(std::int64_t threads) {
  const std::string cache = impl_->config.roofline_cache.empty() ? DefaultRooflineCachePath() : impl_->config.roofline_cache;
  bool refresh = impl_->config.refresh_roofline;
  double now = 0;
  if (!refresh) {
    const RooflinePeaks cached = ReadCachedRoofline(cache, threads);
    if (CachedRooflineBelowNow(cached, threads, &now)) {
      refresh = true;
      if (impl_->warnings)
        impl_->warnings->Add("roofline_stale",
                             fmt::format("the cached roofline peaks ({}) were measured while the machine was busier: a quick "
                                         "fp32 MatMul runs at {:.1f} GMAC/s now, above their fp32 peak of {:.1f} GMAC/s; "
                                         "they are measured again and the cache replaced",
                                         cache, now / 1e9, cached.fp32_macs_per_s / 1e9));
    }
  }
  return LoadOrMeasureRoofline(threads, cache, impl_->warnings, refresh);
}

void OrtLabBackend::ReleaseModel(const std::string& model) {
  Impl& I = *impl_;
  if (model != I.name) return;
  if (I.warnings && !I.high_cv.empty()) {
    std::string list;
    for (std::size_t i = 0; i < I.high_cv.size() && i < 8; ++i) list += (i ? "; " : "") + I.high_cv[i];
    if (I.high_cv.size() > 8) list += fmt::format("; and {} more", I.high_cv.size() - 8);
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
  I.file_schemes.clear();
  I.macs_per_sample.clear();
  I.macs_incomplete.clear();
  I.name.clear();
}

EnvironmentInfo OrtLabBackend::Environment() {
  EnvironmentInfo env = CaptureEnvironment(impl_->config.provider, static_cast<int>(impl_->threads0), 0, "all", false);
  // MeasureGroup times a group's variants with CompareModels under its default policy (the global
  // pool), a variant alone without spinning.
  const bool interleaved = impl_->config.variants.size() > 1 || !impl_->config.external.empty();
  RecordTimingPool(&env, interleaved, CompareOptions{}.policy, /*alone_spinning=*/false);
  return env;
}


}  // namespace qbench
