#include "qbench/lab/lab.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "qbench/benchmark/environment.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/model_content.h"
#include "qbench/lab/preflight.h"
#include "qbench/lab/shard.h"
#include "qbench/zoo/zoo.h"

namespace qbench {
namespace fs = std::filesystem;

namespace {

double NowUnixS() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string ProfileKey(const std::string& model, const std::string& variant, std::int64_t batch, std::int64_t input_size,
                       std::int64_t threads) {
  return model + "|" + variant + "|b" + std::to_string(batch) + "|s" + std::to_string(input_size) + "|t" +
         std::to_string(threads);
}

// The group whose points are profiled and whose batch the roofline view uses: batch 1 when swept
// (else the smallest), the model's first input size, the first thread count.
SweepGroup ProfileGroup(const LabConfig& config, const LabPlan& plan, const std::string& model) {
  SweepGroup g;
  g.model = model;
  g.batch = *std::min_element(config.batches.values.begin(), config.batches.values.end());
  g.input_size = plan.input_sizes.at(model).front();
  g.threads = config.threads.values.front();
  g.variants = LabVariantsFor(config, model, model);
  for (const auto& m : plan.models)
    if (m.name == model) g.variants = LabVariantsFor(config, m.name, m.spec);
  return g;
}

// Appends one record to results.jsonl, durably.
void Append(const std::string& path, const nlohmann::json& j) { AppendLineDurable(path, j.dump()); }

}  // namespace

LabStudy RunLab(const LabConfig& config, LabBackend& backend, const LabRunOptions& options) {
  ValidateLabConfig(config);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  LabStudy study;
  study.started_at_unix_s = NowUnixS();
  study.config = MakeLabConfigRecord(config);
  WarningList local_warnings;
  WarningList& warnings = options.warnings ? *options.warnings : local_warnings;

  std::error_code ec;
  const std::string models_dir = LabModelsDir(config);
  const std::string jsonl = LabResultsPath(config);
  const std::string device = LabDeviceLabel(config);
  const int shard = config.shard_count > 0 ? config.shard_index : -1;
  study.config.device = device;
  study.has_settings = true;
  study.settings = LabMeasurementSettings(config);
  JsonlRecords prev;
  CheckOutputFolder(config);  // a study there needs --resume or --force; --resume needs a study
  if (config.resume) {
    prev = ReadResultsJsonl(jsonl);
    CheckResumeSettings(config, prev);  // before anything is written
  }
  LabProgress progress;
  auto report = [&](const std::string& current) {
    progress.current = current;
    progress.elapsed_s = elapsed();
    if (options.on_progress) options.on_progress(progress);
  };
  report("planning");
  const LabPlan plan = PlanLab(config, backend, config.resume ? &prev : nullptr);
  if (config.shard_count > 0) CheckShardPlan(config, plan);  // before anything is written
  if (config.force) {
    const std::string moved = MoveStudyAside(config.output_dir);
    study.config.earlier_study_moved_to = moved;
  }
  fs::create_directories(models_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create output folder '" + models_dir + "': " + ec.message());
  nlohmann::json planned = nlohmann::json::array();
  for (const auto& p : FlattenSweep(plan.groups)) planned.push_back(p.Key());
  Append(jsonl, nlohmann::json{{"record", "settings"}, {"settings", study.settings}, {"device", device},
                               {"shard_index", shard}, {"shard_count", config.shard_count}, {"planned", planned},
                               {"started_at_unix_s", study.started_at_unix_s}});
  for (const auto& w : LabConfigWarnings(config)) warnings.Add(w.code, w.message);
  if (prev.skipped_lines > 0)
    warnings.Add("jsonl_skipped_lines", fmt::format("{} unreadable line(s) in {} were ignored (a run cut mid-write?); "
                                                    "their points are measured again", prev.skipped_lines, jsonl));

  // Ctrl-C (core/cancel.h) or the caller's own condition. Steps interrupted by it throw Cancelled:
  // their records are not written (they were not measured, nor did they fail) and the lab stops.
  auto stop = [&] { return CancelRequested() || (options.should_stop && options.should_stop()); };

  for (const auto& w : plan.warnings) warnings.Add(w.code, w.message);
  study.config.model_input_sizes = plan.input_sizes;
  if (!config.eval_data.empty() || !config.calibration_data.empty() || config.split) {
    for (const auto& [m, v] : plan.input_sizes)  // the images of each model, at its first input size
      if (!v.empty()) study.config.preprocessing[m] = DescribeLabPreprocess(config, v.front());
  }
  study.planned_points = static_cast<std::int64_t>(FlattenSweep(plan.groups).size());
  progress.total = plan.points;
  double estimate_done = 0;
  const double estimate_total = std::max(plan.total_seconds, 1e-9);
  auto advance = [&](double estimated_seconds) {
    estimate_done += estimated_seconds;
    const double t = elapsed();
    if (estimate_done > 0 && t > 0) progress.eta_s = std::max(0.0, (estimate_total - estimate_done) * t / estimate_done);
  };

  static_cast<EnvironmentInfo&>(study.environment) = backend.Environment();
  study.environment.device = device;
  study.has_environment = true;
  Append(jsonl, nlohmann::json{{"record", "environment"}, {"environment", study.environment}});
  {  // bench's busy-machine check: said now on stderr (before the first timing), and in report.md
    WarningList busy;
    AddBusyMachineWarning(study.environment.load_average_1min, study.environment.logical_cores, &busy);
    for (const auto& w : busy.items()) {
      Log(LogLevel::kWarning, w.message + " [" + w.code + "]");
      warnings.Add(w.code, w.message);
    }
  }

  // Index what exists already.
  std::map<std::string, PointResult> points;
  std::map<std::string, ModelRecord> models;
  std::map<std::string, AccuracyRecord> accuracy;
  std::map<std::string, OpProfileRecord> profiles;
  for (const auto& p : prev.points) points[p.point.Key()] = p;
  std::set<std::string> measured_now;  // point keys this run recorded (the rest of `points` are an earlier run's)
  for (const auto& m : prev.models) models[m.model + "|" + m.variant] = m;
  for (const auto& a : prev.accuracy) accuracy[a.model + "|" + a.variant] = a;
  for (const auto& o : prev.op_profiles) profiles[ProfileKey(o.model, o.variant, o.batch, o.input_size, o.threads)] = o;

  if (config.roofline) {
    for (auto t : config.threads.values) {
      if (stop()) break;
      report(fmt::format("roofline peaks ({} thread(s)): from the cache, or measured when it has none", t));
      study.roofline.push_back(backend.RooflineFor(t));
      nlohmann::json r = ToJson(study.roofline.back());
      r["record"] = "roofline";
      Append(jsonl, r);
    }
    advance(plan.roofline_seconds);
  }

  for (const auto& model : plan.models) {
    if (stop()) break;
    std::vector<const SweepGroup*> groups;
    for (const auto& g : plan.groups)
      if (g.model == model.name) groups.push_back(&g);
    const SweepGroup profile_group = ProfileGroup(config, plan, model.name);
    const bool extras = plan.Extras(model.name);  // a shard evaluates and profiles only its own models
    if (groups.empty() && !extras) continue;
    bool need = false;
    for (const auto* g : groups)
      for (const auto& p : g->Points()) need = need || !points.count(p.Key());
    const std::vector<std::string> variants = LabVariantsFor(config, model.name, model.spec);
    for (const auto& v : variants) {
      need = need || !models.count(model.name + "|" + v);
      need = need || (extras && !config.eval_data.empty() && !accuracy.count(model.name + "|" + v));
      need = need || (extras && config.roofline &&
                      !profiles.count(ProfileKey(model.name, v, profile_group.batch, profile_group.input_size, profile_group.threads)));
    }
    if (!need) continue;

    // 1. Files: load, quantize, write, measure sizes.
    report(model.name + ": loading and quantizing");
    ModelJob job;
    job.model = model;
    // Variants that do not apply to what the file holds (VariantNotApplicable: the plan read it) are
    // not made: an fp16 file's fp16 variant would be the same model again.
    const auto planned = plan.baseline_content.find(model.name);
    const std::string planned_content = planned == plan.baseline_content.end() ? "" : planned->second;
    std::vector<std::string> skipped;
    for (const auto& v : variants)
      (VariantNotApplicable(planned_content, v).empty() ? job.variants : skipped).push_back(v);
    job.models_dir = models_dir;
    job.input_size = plan.input_sizes.at(model.name).front();
    for (const auto& v : variants) {
      auto it = models.find(model.name + "|" + v);
      if (it != models.end()) job.previous[v] = it->second;
    }
    std::vector<ModelRecord> records;
    try {
      records = backend.PrepareModel(job);
    } catch (const std::exception& e) {
      if (stop()) break;
      records.clear();
      for (const auto& v : job.variants) {
        ModelRecord r;
        r.model = model.name;
        r.model_spec = model.spec;
        r.variant = v;
        r.error = e.what();
        records.push_back(r);
      }
    }
    for (const auto& v : skipped) {
      ModelRecord r;
      r.model = model.name;
      r.model_spec = model.spec;
      r.variant = v;
      r.error = "not applicable: " + VariantNotApplicable(planned_content, v);
      records.push_back(r);
    }
    // A scheme variant of a file that is already int8 (refused by the quantizer) or already in the
    // scheme's float precision: not applicable, no failure.
    std::string content = planned_content;
    const ModelRecord* given = nullptr;  // the file as given (the baseline record)
    for (const auto& r : records)
      if (r.ok && LookupLabVariant(r.variant) && LookupLabVariant(r.variant)->IsBaseline()) {
        if (!r.content.empty()) content = r.content;
        given = &r;
      }
    const ModelRecord as_given = given ? *given : ModelRecord{};
    for (auto& r : records) {
      const std::string why = VariantNotApplicable(content, r.variant);
      if (why.empty()) continue;
      r.ok = false;
      r.not_applicable = true;
      r.error = "not applicable: " + why;
      // No file is made: the record says what the file it would have been made from holds (an int8
      // file's "int8 QOperator", never an assumed "fp32"), as the report's "already int8 (QOperator)".
      r.content = content;
      r.original_bits = given ? as_given.original_bits : 32;
      if (given) {
        r.weight_precision = as_given.weight_precision;
        r.weight_storage = as_given.weight_storage;
        r.activation_precision = as_given.activation_precision;
      }
    }
    std::map<std::string, ModelRecord> by_variant;
    for (auto& r : records) {
      const std::string key = model.name + "|" + r.variant;
      auto it = models.find(key);
      const bool reused = it != models.end() && it->second.ok && r.ok && it->second.file == r.file;
      if (!reused) Append(jsonl, ToJson(r));
      models[key] = r;
      by_variant[r.variant] = r;
    }
    advance(plan.model_setup_seconds.count(model.name) ? 0.5 * plan.model_setup_seconds.at(model.name) : 0);

    // 2. Latency over the sweep, variants interleaved per group.
    for (const auto* g : groups) {
      if (stop()) break;
      std::vector<std::string> to_measure;
      for (const auto& p : g->Points()) {
        if (points.count(p.Key())) continue;
        auto rec = by_variant.find(p.variant);
        if (rec == by_variant.end() || !rec->second.ok) {
          PointResult failed;
          failed.point = p;
          failed.model_spec = model.spec;
          // Say what failed: loading the model itself, or making this variant's file.
          const ModelRecord* original = nullptr;
          for (const auto& [v, r] : by_variant)
            if (LookupLabVariant(v) && LookupLabVariant(v)->IsBaseline()) original = &r;
          const LabVariantInfo* info = LookupLabVariant(p.variant);
          if (rec == by_variant.end())
            failed.error = "no " + p.variant + " model was prepared (internal error)";
          else if (rec->second.not_applicable)
            failed.error = rec->second.error, failed.not_applicable = true;
          else if (!info)
            failed.error = "the external " + p.variant + " file could not be loaded: " + rec->second.error;
          else if ((original && !original->ok) || info->IsBaseline())
            failed.error = "the model could not be loaded: " + rec->second.error;
          else
            failed.error = "the " + p.variant + " model file was not made, so it could not be timed: " + rec->second.error;
          failed.finished_at_unix_s = NowUnixS();
          failed.device = device;
          failed.shard = shard;
          Append(jsonl, ToJson(failed));
          points[p.Key()] = failed;
          measured_now.insert(p.Key());
          ++progress.done;
          if (!failed.not_applicable) ++progress.failed;
          continue;
        }
        to_measure.push_back(p.variant);
      }
      if (to_measure.empty()) continue;
      std::string what;
      for (const auto& v : to_measure) what += (what.empty() ? "" : ", ") + v;
      report(fmt::format("{} batch {} size {} threads {}: timing {}", model.name, g->batch, g->input_size, g->threads, what));
      std::vector<PointResult> results;
      try {
        results = backend.MeasureGroup(*g, to_measure);
      } catch (const std::exception& e) {
        if (stop()) break;
        results.clear();
        for (const auto& v : to_measure) {
          PointResult r;
          r.point = SweepPoint{g->model, v, g->batch, g->input_size, g->threads};
          r.error = e.what();
          results.push_back(r);
        }
      }
      for (auto& r : results) {
        r.model_spec = model.spec;
        r.finished_at_unix_s = NowUnixS();
        r.device = device;
        r.shard = shard;
        Append(jsonl, ToJson(r));
        points[r.point.Key()] = r;
        measured_now.insert(r.point.Key());
        ++progress.done;
        if (!r.ok) ++progress.failed;
      }
      advance(plan.group_seconds.count(g->GroupKey()) ? plan.group_seconds.at(g->GroupKey()) : 0);
      report(fmt::format("{} batch {} size {} threads {}: done", model.name, g->batch, g->input_size, g->threads));
    }

    // 3. Per-op profile (roofline view) and accuracy.
    if (extras && config.roofline && !stop()) {
      std::vector<std::string> todo;
      for (const auto& v : variants)
        if (by_variant.count(v) && by_variant[v].ok &&
            !profiles.count(ProfileKey(model.name, v, profile_group.batch, profile_group.input_size, profile_group.threads)))
          todo.push_back(v);
      if (!todo.empty()) {
        report(model.name + ": profiling ops");
        std::vector<OpProfileRecord> recs;
        try {
          recs = backend.ProfileOps(profile_group, todo);
        } catch (const std::exception& e) {
          if (stop()) break;
          for (const auto& v : todo) {
            OpProfileRecord r;
            r.model = model.name;
            r.variant = v;
            r.batch = profile_group.batch;
            r.input_size = profile_group.input_size;
            r.threads = profile_group.threads;
            r.error = e.what();
            recs.push_back(r);
          }
        }
        for (const auto& r : recs) {
          Append(jsonl, ToJson(r));
          profiles[ProfileKey(r.model, r.variant, r.batch, r.input_size, r.threads)] = r;
        }
      }
    }
    if (extras && !config.eval_data.empty() && !stop()) {
      std::vector<std::string> todo;
      for (const auto& v : variants)
        if (!accuracy.count(model.name + "|" + v) && !(by_variant.count(v) && by_variant[v].not_applicable)) todo.push_back(v);
      if (!todo.empty()) {
        report(model.name + ": evaluating accuracy");
        std::vector<AccuracyRecord> recs;
        try {
          recs = backend.Evaluate(model.name, todo);
        } catch (const std::exception& e) {
          if (stop()) break;
          for (const auto& v : todo) {
            AccuracyRecord r;
            r.model = model.name;
            r.variant = v;
            r.error = e.what();
            recs.push_back(r);
          }
        }
        for (auto& r : recs) {
          r.input_size = job.input_size;  // the backend evaluates at the model's first input size
          Append(jsonl, ToJson(r));
          accuracy[r.model + "|" + r.variant] = r;
          ++study.accuracy_evaluated;
        }
      }
    }
    advance(plan.model_setup_seconds.count(model.name) ? 0.5 * plan.model_setup_seconds.at(model.name) : 0);
    backend.ReleaseModel(model.name);
  }

  study.interrupted = stop();
  study.duration_s = elapsed();
  study.total_duration_s = prev.previous_duration_s + study.duration_s;
  const auto current_warnings = warnings.items();
  for (const auto& w : current_warnings) Append(jsonl, ToJson(LabWarning{w.code, w.message}));
  Append(jsonl, nlohmann::json{{"record", "run_end"}, {"duration_s", study.duration_s}, {"interrupted", study.interrupted},
                               {"finished_at_unix_s", NowUnixS()}});

  // The study in sweep order (records of models or points no longer in the config are dropped).
  std::set<std::string> kept;  // "model|variant" of this configuration: a profile of another is dropped too
  for (const auto& model : plan.models)
    for (const auto& v : LabVariantsFor(config, model.name, model.spec)) {
      kept.insert(model.name + "|" + v);
      auto m = models.find(model.name + "|" + v);
      if (m != models.end()) study.models.push_back(m->second);
      auto a = accuracy.find(model.name + "|" + v);
      if (a != accuracy.end()) study.accuracy.push_back(a->second);
    }
  for (const auto& p : FlattenSweep(plan.groups)) {
    auto it = points.find(p.Key());
    if (it != points.end()) {
      study.points.push_back(it->second);
      if (!measured_now.count(p.Key())) ++study.resumed_points;
    }
  }
  for (const auto& [k, o] : profiles)
    if (kept.count(o.model + "|" + o.variant)) study.op_profiles.push_back(o);
  // Warnings of earlier runs of this study first (those this run did not raise again), then this run's.
  for (const auto& w : prev.warnings) {
    bool again = false;
    for (const auto& c : current_warnings) again = again || (c.code == w.code && c.message == w.message);
    if (!again) study.warnings.push_back(w.code + ": " + w.message + " (an earlier run of this study)");
  }
  for (const auto& w : current_warnings) study.warnings.push_back(w.code + ": " + w.message);
  report(study.interrupted ? "interrupted" : "done");
  return study;
}

}  // namespace qbench
