// tests/lab/fake_backend.h — a deterministic LabBackend for testing RunLab and the reports without
// ONNX Runtime: latencies follow a formula, failures are injected, every call is recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "qbench/core/error.h"
#include "qbench/data/metrics.h"
#include "qbench/lab/lab.h"

namespace qbench::testing {

class FakeLabBackend : public LabBackend {
 public:
  /// Latency of one run in ms: base_ms[model] × batch × factor[variant]. Defaults: 1 ms, factor 1.
  std::map<std::string, double> base_ms;
  std::map<std::string, double> factor = {{"fp32", 1.0}, {"dynamic", 2.0}, {"static", 0.5}};
  /// Points (Key()) that fail with this message.
  std::map<std::string, std::string> fail_points;
  /// Models whose PrepareModel throws.
  std::set<std::string> fail_models;
  /// "model|variant" whose PrepareModel record fails (ok = false) with this error.
  std::map<std::string, std::string> fail_variants;
  /// FixedInputSize by spec (default 0: H and W dynamic).
  std::map<std::string, std::int64_t> fixed_sizes;
  /// ModelContentLabel by spec (default "": unknown, the plan says fp32).
  std::map<std::string, std::string> contents;
  /// Specs whose ModelMacs is a lower bound (ModelMacsGap not empty).
  std::set<std::string> incomplete_macs;
  /// Called after each MeasureGroup (e.g. to request a stop).
  std::function<void(const SweepGroup&)> after_group;

  // Recorded calls.
  std::vector<std::string> measured;     ///< point keys returned by MeasureGroup, in order
  std::vector<std::string> prepared;     ///< model names
  std::vector<std::string> evaluated;    ///< "model|variant"
  std::vector<std::string> profiled;     ///< "model|variant"
  int roofline_calls = 0;

  std::int64_t FixedInputSize(const std::string& spec) override {
    auto it = fixed_sizes.find(spec);
    return it == fixed_sizes.end() ? 0 : it->second;
  }
  std::int64_t ModelMacs(const std::string& spec, std::int64_t input_size) override {
    return 1000000 * input_size + static_cast<std::int64_t>(spec.size());
  }
  std::string ModelMacsGap(const std::string& spec, std::int64_t) override {
    return incomplete_macs.count(spec) ? "shape inference could not size 1 MAC node(s) (first: fake (Fake))" : "";
  }
  std::string ModelContentLabel(const std::string& spec, std::int64_t) override {
    auto it = contents.find(spec);
    return it == contents.end() ? "" : it->second;
  }
  RooflinePeaks EstimatePeaks(std::int64_t threads) override {
    RooflinePeaks p = RooflineFor(threads);
    --roofline_calls;
    return p;
  }
  RooflinePeaks RooflineFor(std::int64_t threads) override {
    ++roofline_calls;
    RooflinePeaks p;
    p.ok = true;
    p.threads = threads;
    p.fp32_macs_per_s = 100e9;
    p.int8_macs_per_s = 400e9;
    p.bytes_per_s = 20e9;
    p.method = "fake peaks";
    p.from_cache = true;
    return p;
  }
  std::vector<ModelRecord> PrepareModel(const ModelJob& job) override {
    prepared.push_back(job.model.name);
    if (fail_models.count(job.model.name)) throw Error(ErrorCode::kRuntime, "cannot load " + job.model.name);
    std::vector<ModelRecord> out;
    for (const auto& v : job.variants) {
      ModelRecord r;
      r.model = job.model.name;
      r.model_spec = job.model.spec;
      r.variant = v;
      r.ok = true;
      r.file = job.models_dir + "/" + job.model.name + "." + v + ".onnx";
      r.file_size_bytes = v == "fp32" ? 4000000 : 1000000 + 1000 * static_cast<std::int64_t>(v.size());
      r.weight_precision = v == "fp32" ? "fp32" : "int8";
      r.activation_precision = v == "static" ? "uint8 (static)" : v == "dynamic" ? "int8 (dynamic)" : "fp32";
      if (v != "fp32") {
        r.op_coverage["Conv"] = OpCoverage{3, 0};
        r.op_coverage["HardSigmoid"] = OpCoverage{0, 2};
        r.int8_mac_share = 0.9;
      }
      r.weight_bytes_by_dtype = {{v == "fp32" ? "float32" : "int8", r.file_size_bytes}};
      if (v == "fp32" && contents.count(job.model.spec)) r.content = contents.at(job.model.spec);  // as the plan read it
      auto f = fail_variants.find(job.model.name + "|" + v);
      if (f != fail_variants.end()) {
        r.ok = false;
        r.error = f->second;
      }
      out.push_back(r);
    }
    return out;
  }
  double Latency(const SweepPoint& p) const {
    const double b = base_ms.count(p.model) ? base_ms.at(p.model) : 1.0;
    const double f = factor.count(p.variant) ? factor.at(p.variant) : 1.0;
    return b * static_cast<double>(p.batch) * f * (224.0 / static_cast<double>(std::max<std::int64_t>(p.input_size, 1)));
  }
  std::vector<PointResult> MeasureGroup(const SweepGroup& group, const std::vector<std::string>& record) override {
    std::vector<PointResult> out;
    for (const auto& v : record) {
      PointResult r;
      r.point = SweepPoint{group.model, v, group.batch, group.input_size, group.threads};
      auto f = fail_points.find(r.point.Key());
      if (f != fail_points.end()) {
        r.error = f->second;
        out.push_back(r);
        measured.push_back(r.point.Key());
        continue;
      }
      const double ms = Latency(r.point);
      r.ok = true;
      r.samples_ms = {ms * 0.99, ms, ms * 1.01};
      r.latency.n = 3;
      r.latency.mean_ms = ms;
      r.latency.median_ms = ms;
      r.latency.stddev_ms = ms * 0.01;
      r.latency.min_ms = ms * 0.99;
      r.latency.max_ms = ms * 1.01;
      r.latency.p90_ms = ms * 1.008;
      r.latency.median_ci_low_ms = ms * 0.99;
      r.latency.median_ci_high_ms = ms * 1.01;
      r.latency.median_ci_level = 0.75;  // [min, max] of 3 runs: 1 - 2 * 0.5^3
      r.throughput_samples_per_s = static_cast<double>(group.batch) * 1000.0 / ms;
      r.macs = ModelMacs(group.model, group.input_size) * group.batch;
      if (v != group.variants.front()) {
        SweepPoint b = r.point;
        b.variant = group.variants.front();
        r.has_speedup = true;
        r.baseline_variant = b.variant;
        r.speedup = Latency(b) / ms;
        r.speedup_ci95_low = r.speedup * 0.95;
        r.speedup_ci95_high = r.speedup * 1.05;
      }
      measured.push_back(r.point.Key());
      out.push_back(r);
    }
    if (after_group) after_group(group);
    return out;
  }
  std::vector<OpProfileRecord> ProfileOps(const SweepGroup& group, const std::vector<std::string>& variants) override {
    std::vector<OpProfileRecord> out;
    for (const auto& v : variants) {
      profiled.push_back(group.model + "|" + v);
      OpProfileRecord r;
      r.model = group.model;
      r.variant = v;
      r.batch = group.batch;
      r.input_size = group.input_size;
      r.threads = group.threads;
      r.ok = true;
      const bool q = v != "fp32";
      r.op_types = {OpTypeProfile{q ? "QLinearConv" : "Conv", 10, 3.0, 3000000000, 30000000},
                    OpTypeProfile{q ? "QLinearConv (depthwise)" : "Conv (depthwise)", 5, 1.0, 10000000, 20000000},
                    OpTypeProfile{"HardSigmoid", 2, 0.5, 0, 1000000}};
      r.total_ms = 4.5;
      out.push_back(r);
    }
    return out;
  }
  std::vector<AccuracyRecord> Evaluate(const std::string& model, const std::vector<std::string>& variants) override {
    std::vector<AccuracyRecord> out;
    for (const auto& v : variants) {
      evaluated.push_back(model + "|" + v);
      AccuracyRecord a;
      a.model = model;
      a.variant = v;
      a.ok = true;
      a.samples = 100;
      a.top1 = v == "fp32" ? 0.70 : v == "static" ? 0.69 : 0.65;
      a.top1_ci95_low = a.top1 - 0.09;
      a.top1_ci95_high = a.top1 + 0.09;
      a.top5 = a.top1 + 0.2;
      a.num_classes = 10;
      // The baseline is not compared with itself; the others get a paired 2x2 table that matches
      // their top-1: static loses 2 and gains 1 sample (69 %), dynamic loses 8 and gains 3 (65 %).
      if (v != "fp32") {
        a.top1_agreement = 0.9;
        a.top1_agreement_ci95_low = 0.8256;
        a.top1_agreement_ci95_high = 0.9448;
        a.has_paired = true;
        a.labelled = 100;
        a.baseline_only_correct = v == "static" ? 2 : 8;
        a.variant_only_correct = v == "static" ? 1 : 3;
        a.both_correct = 70 - a.baseline_only_correct;
        const auto d = PairedProportionDifference(static_cast<std::size_t>(a.both_correct), static_cast<std::size_t>(a.variant_only_correct),
                                                  static_cast<std::size_t>(a.baseline_only_correct),
                                                  static_cast<std::size_t>(100 - a.both_correct - a.variant_only_correct - a.baseline_only_correct));
        a.top1_change = d.estimate;
        a.top1_change_ci95_low = d.lo;
        a.top1_change_ci95_high = d.hi;
        a.mcnemar_p = McNemarExactPValue(static_cast<std::size_t>(a.variant_only_correct), static_cast<std::size_t>(a.baseline_only_correct));
      }
      a.dataset = "fake: 100 samples";
      out.push_back(a);
    }
    return out;
  }
  void ReleaseModel(const std::string&) override {}
  EnvironmentInfo Environment() override {
    EnvironmentInfo e;
    e.cpu_model = "Fake CPU";
    e.logical_cores = 2;
    e.ort_version = "0.0";
    e.execution_provider = "cpu";
    return e;
  }
};

/// The study the report tests share: zoo:big (4 ms) and zoo:small (1 ms) × fp32/dynamic/static ×
/// batch 1, 2, 4 at 224 px and 2 threads, small|static|b4 failing with "out of memory at batch 4";
/// with accuracy (`with_eval`) and the roofline view (`roofline`) when asked.
inline LabStudy RunFakeStudy(const std::string& out, bool with_eval = true, bool roofline = true) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big", "zoo:small"};
  c.variants = {"fp32", "dynamic", "static"};
  c.batches = ParseSweepAxis("batch", "1,2,4");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "2");
  c.output_dir = out;
  if (with_eval) c.eval_data = "fake";
  c.roofline = roofline;
  FakeLabBackend backend;
  backend.base_ms = {{"big", 4.0}, {"small", 1.0}};
  backend.fail_points["small|static|b4|s224|t2"] = "out of memory at batch 4";
  return RunLab(c, backend);
}

}  // namespace qbench::testing
