// OrtLabBackend: timing a group of variants (CompareModels), their memory alone, op profiles.
#include <algorithm>
#include <cmath>

#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/energy_observer.h"
#include "qbench/benchmark/memory.h"
#include "qbench/benchmark/memory_probe.h"
#include "qbench/lab/model_content.h"
#include "qbench/lab/op_profile.h"
#include "qbench/runtime/inputs.h"

#include "ort_backend_impl.h"

namespace qbench {
using namespace lab_internal;  // NOLINT(build/namespaces)

void lab_internal::Fill(PointResult* r, const Measurement& m, std::int64_t macs) {
  const Statistics& s = m.statistics;
  ApplyMeasurement(m, r);
  r->macs = macs;
  r->achieved_macs_per_s = macs > 0 && s.median_ms > 0 ? static_cast<double>(macs) / (s.median_ms / 1000.0) : 0;
}

CompareOptions LabCompareOptions(const LabConfig& config, std::int64_t batch, std::int64_t threads) {
  CompareOptions co;
  co.config.warmup_runs = config.warmup_runs;
  co.config.repetitions = config.repetitions;
  co.config.max_repetitions = config.repetitions;
  co.config.cv_threshold = 0;  // exactly k runs: the lab's duration stays predictable; the CI shows the noise
  co.config.batch_size = batch;
  co.config.seed = config.seed;
  co.session.intra_op_threads = static_cast<int>(threads);
  co.session.allow_spinning = false;  // a variant alone: as before, no spinning pool left idle between groups
  co.session.graph_optimization = "all";
  co.session.execution_provider = config.provider;
  co.input_seed = config.seed;
  return co;
}

PointEnergy lab_internal::ToPointEnergy(const ModelEnergy& e, const std::string& source, std::int64_t batch,
                                       bool against_baseline) {
  PointEnergy pe;
  if (!e.runs.ok) {
    pe.reason = e.runs.error;
    return pe;
  }
  pe.available = true;
  pe.source = source;
  pe.runs = static_cast<std::int64_t>(e.runs.joules_per_run.size());
  pe.energy_per_inference_j = e.runs.joules_per_run_mean();
  pe.energy_per_sample_j = pe.energy_per_inference_j / static_cast<double>(std::max<std::int64_t>(1, batch));
  pe.average_power_w = e.runs.watts();
  pe.sample_period_ms = e.sample_period_s * 1000;
  pe.coarse = e.coarse;
  if (against_baseline && e.has_ratio) {
    pe.has_ratio = true;
    pe.ratio = e.ratio.speedup;
    pe.ratio_ci95_low = e.ratio.ci_low;
    pe.ratio_ci95_high = e.ratio.ci_high;
  }
  return pe;
}

// Memory of variant `v` alone at `group`'s point, in a child process (benchmark/memory_probe.h):
// replaces the process-wide peak that Fill recorded, which includes every model loaded before.
void OrtLabBackend::Impl::ProbeMemory(PointResult* r, const SweepGroup& group, const std::string& v) {
  auto rec = records.find(v);
  if (rec == records.end() || rec->second.file.empty()) return;
  MemoryProbeRequest q;
  q.model = rec->second.file;
  q.shapes = LabShapes(VariantModel(v), group.batch, group.input_size, user_shapes);  // --dim/--shape too
  q.batch = group.batch;
  q.intra_op_threads = static_cast<int>(group.threads);
  q.seed = config.seed;
  const MemoryProbeResult m = ProbeMemoryIsolated(q);
  ApplyMemoryProbe(m, r);
  if (!m.ok) {
    if (warnings)
      warnings->Add("memory_not_isolated", fmt::format("{} {} b{}: memory could not be measured in a separate process "
                                                       "({}); its peak RSS is the lab process's, which includes the "
                                                       "models loaded before it",
                                                       group.model, v, group.batch, m.error));
  }
}

Model OrtLabBackend::Impl::RunnableWithFeeds(const std::string& v, std::int64_t batch, std::int64_t input_size,
                                             std::vector<HostTensor>* feeds) {
  const Model& file = VariantModel(v);
  const auto shapes = ResolveInputShapes(file, LabShapes(file, batch, input_size, user_shapes));
  const std::int64_t rewrite = BatchRewriteTarget(file, shapes);  // a file that fixes another batch
  Model m = rewrite > 0 ? WithBatchSize(file, rewrite) : file;
  InputOptions io;
  io.seed = config.seed;
  feeds->clear();
  for (const auto& g : GenerateInputs(m, shapes, io)) feeds->push_back(g.tensor);
  return m;
}

std::vector<PointResult> OrtLabBackend::MeasureGroup(const SweepGroup& group, const std::vector<std::string>& record) {
  Impl& I = *impl_;
  if (group.model != I.name) throw Error(ErrorCode::kRuntime, "model '" + group.model + "' is not loaded (internal order error)");
  std::map<std::string, PointResult> results;
  for (const auto& v : record) {
    PointResult& r = results[v];
    r.point = SweepPoint{group.model, v, group.batch, group.input_size, group.threads};
    r.model_spec = I.model.spec;
    r.provider = I.config.provider;
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
  CompareOptions co = LabCompareOptions(I.config, group.batch, group.threads);
  co.keep_going = true;
  co.usage_errors_propagate = false;  // a variant that cannot run is recorded, the others are measured
  co.time_alone_if_interleaving_fails = true;
  co.context = fmt::format("{} batch {} size {} threads {}", group.model, group.batch, group.input_size, group.threads);
  co.cache = &I.sessions;
  EnergyObserver energy(*I.meter, I.config.seed);  // energy per timed run, on the same loop (energy_observer.h)
  co.observer = &energy;
  ResetPeakRss();
  // Points of this group with a high CV: listed in the model's high_cv warning only once the group
  // is returned (recorded); a group cut short by Ctrl-C (a memory probe throws Cancelled) is not.
  std::vector<std::string> high_cv;
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
      r.energy = ToPointEnergy(energy.Result(i), I.meter->discovery().source, group.batch, i > 0 && models[0].label == base);
      if (I.macs_incomplete.count(group.input_size)) r.achieved_macs_per_s = 0;  // no rate from a lower bound
      r.timing = c.timing;
      if (i > 0 && models[0].label == base && c.has_speedup) ApplySpeedup(base, c.speedup, &r);
      if (std::isfinite(c.measurement.statistics.cv) && c.measurement.statistics.cv > kHighCv)
        high_cv.push_back(fmt::format(
            "{} ({:.0f} %)",
            SweepPoint{group.model, v, group.batch, group.input_size, group.threads}.Label(
                v == I.Baseline() && I.records.count(v) ? BaselineLabel(I.records.at(v).content, v) : v),
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
  I.high_cv.insert(I.high_cv.end(), high_cv.begin(), high_cv.end());
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
    // Table variants by their scheme; files measured as given (the baseline of a file given with
    // --models, external files) by what they hold, as the scheme table's row their content is like
    // (SchemeLikeContent, set when the file was inspected): an int8 QOperator file moves 1-byte tensors.
    const LabVariantInfo* info = LookupLabVariant(v);
    const SchemeInfo* scheme = info ? info->scheme : nullptr;
    if (!scheme && I.file_schemes.count(v)) scheme = I.file_schemes.at(v);
    TrafficModel traffic;  // float32: 4 bytes everywhere
    if (scheme) traffic = TrafficModel{scheme->WeightBytes(), scheme->InputBytes(), scheme->OutputBytes()};
    try {
      if (!ref_error.empty()) throw Error(ErrorCode::kRuntime, "cannot analyse the fp32 graph: " + ref_error);
      std::vector<HostTensor> feeds;
      const Model m = I.RunnableWithFeeds(v, group.batch, group.input_size, &feeds);
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

}  // namespace qbench
