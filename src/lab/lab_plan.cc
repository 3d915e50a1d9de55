// The lab plan: sweep expansion against earlier results, duration estimate, and the --dry-run text.
#include "qbench/lab/lab.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <thread>

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
namespace {

std::string MacsKey(const std::string& model, std::int64_t input_size) { return model + "|s" + std::to_string(input_size); }

std::string FormatDuration(double s) {
  if (s < 60) return fmt::format("{:.0f} s", s);
  if (s < 3600) return fmt::format("{:.0f} min {:02.0f} s", std::floor(s / 60), std::fmod(s, 60));
  return fmt::format("{:.0f} h {:02.0f} min", std::floor(s / 3600), std::fmod(s / 60, 60));
}

// The baseline in the plan's header, labelled by what the files hold as report.md labels it
// (VariantLabel: "as given (int8 QOperator)"): "fp32 (baseline)" when every file is fp32; "as given
// (X) (baseline)" when every model's file holds X; else the fp32 name with the others listed.
std::string BaselineText(const LabPlan& plan, const std::string& baseline) {
  if (!FindLabVariant(baseline).IsBaseline()) return baseline + " (baseline)";  // a scheme: not the file as given
  std::set<std::string> contents;
  std::string others;
  for (const auto& m : plan.models) {
    auto it = plan.baseline_content.find(m.name);
    const std::string c = it == plan.baseline_content.end() || it->second.empty() ? baseline : it->second;
    contents.insert(c);
    if (c != baseline) others += (others.empty() ? "" : ", ") + m.name + ": " + BaselineLabel(c, baseline);
  }
  if (others.empty()) return baseline + " (baseline)";
  if (contents.size() == 1) return BaselineLabel(*contents.begin(), baseline) + " (baseline)";
  return baseline + " (baseline; " + others + ")";
}

// A scheme's variant of a model whose file is already quantized (an int8 form of ModelContent:
// "int8 QDQ", "int8 QOperator", "int8 dynamic", joined ones): the quantizer refuses to quantize it
// again (CheckQuantizable), so its points fail at once and cost nothing. A float file (fp16, bf16…)
// is quantized like an fp32 one.
bool RefusedVariant(const LabPlan& plan, const std::string& model, const std::string& variant) {
  auto it = plan.baseline_content.find(model);
  return it != plan.baseline_content.end() && !VariantNotApplicable(it->second, variant).empty();
}

// The header's input sizes: the --input-size sweep as given; without one, the sizes the models are
// measured at (N7): the default for models whose H and W are dynamic and each fixed model's own,
// e.g. "each model's own: 28,32", "224 for dynamic H/W, each fixed model's own: 32" or, for
// non-square images or no image input only, "each model's own shape".
std::string InputSizesText(const LabPlan& plan, const LabConfig& config) {
  const std::string sweep = SweepAxisToString(config.input_sizes);
  if (config.input_size_given) return sweep;
  bool dynamic = false;
  std::vector<std::string> own;
  for (const auto& m : plan.models) {
    auto sizes = plan.input_sizes.find(m.name);
    if (!plan.input_size_notes.count(m.name) || sizes == plan.input_sizes.end() || sizes->second.empty()) {
      dynamic = true;
      continue;
    }
    const std::string text = InputSizeLabel(sizes->second.front(), false);
    if (std::find(own.begin(), own.end(), text) == own.end()) own.push_back(text);
  }
  if (own.empty()) return sweep;
  std::string list;
  for (const auto& t : own) list += (list.empty() ? "" : ",") + t;
  if (!dynamic && list == InputSizeLabel(0, false)) return "each model's own shape";
  return (dynamic ? sweep + " for dynamic H/W, each fixed model's own: " : "each model's own: ") + list;
}

}  // namespace

double VariantSpeedFactor(const std::string& variant) {
  const LabVariantInfo* info = LookupLabVariant(variant);  // nullptr: an external file (content unknown to the plan)
  return info ? info->speed_vs_fp32 : 1.0;
}

double EstimateGroupSeconds(const SweepGroup& group, std::int64_t macs_per_sample, double fp32_macs_per_s,
                            int warmup_runs, int repetitions) {
  double total = 0;
  const double macs = static_cast<double>(std::max<std::int64_t>(macs_per_sample, 0)) * static_cast<double>(group.batch);
  // Every variant runs warm-ups, one cold first run and the timed repetitions.
  const double runs = static_cast<double>(warmup_runs + 1 + repetitions);
  for (const auto& v : group.variants) {
    const double rate = std::max(1e6, VariantSpeedFactor(v) * fp32_macs_per_s);
    total += runs * (macs / rate + kLabRunOverheadS);
  }
  return total;
}

double EstimateMemoryProbeSeconds(const SweepGroup& group, const std::vector<std::string>& recorded,
                                  double macs_per_sample, const LabItemCosts& costs) {
  const double macs = std::max(0.0, macs_per_sample) * static_cast<double>(group.batch);
  double s = 0;
  for (const auto& v : recorded)
    s += costs.memory_probe_s + kLabMemoryProbeRuns * macs / std::max(1e6, VariantSpeedFactor(v) * costs.fp32_macs_per_s);
  return s;
}

LabSetupEstimate EstimateModelSetup(const std::vector<std::string>& prepare, const std::vector<std::string>& profile,
                                    const std::vector<std::string>& evaluate, const std::string& baseline,
                                    double macs_per_sample, const LabItemCosts& costs, double activation_elements) {
  const double rate = std::max(1e6, costs.fp32_macs_per_s);
  auto run_s = [&](const std::string& v) { return macs_per_sample / (VariantSpeedFactor(v) * rate); };
  LabSetupEstimate e;
  e.load_s = prepare.empty() && profile.empty() && evaluate.empty() ? 0.0 : costs.model_load_s;
  for (const auto& v : prepare) {
    const LabVariantInfo* info = LookupLabVariant(v);  // nullptr: an external file, loaded as it is
    const SchemeInfo* scheme = info ? info->scheme : nullptr;
    e.prepare_s += costs.session_s;
    if (!scheme) continue;  // the model as given
    e.prepare_s += costs.quantize_s;
    const bool calibrated = scheme->needs_calibration;
    if (calibrated)
      e.calibration_s += costs.calibration_setup_s +
                         costs.calibration_samples * (costs.calibration_read_s + run_s(baseline) +
                                                      kLabCalibrationElementMacs * std::max(0.0, activation_elements) / rate);
    if (costs.verification_samples > 0) {
      // Static variants verify on (at most 16 of) the calibration samples, dynamic ones on generated input.
      const double n = calibrated && costs.calibration_samples > 0 ? std::min(costs.verification_samples, costs.calibration_samples)
                                                                   : costs.verification_samples;
      const double read = calibrated ? costs.calibration_read_s : 0.0;
      e.verification_s += 2 * costs.session_s + n * (read + run_s(baseline) + run_s(v));
    }
    if (info->auto_search) {
      const double n = costs.auto_eval_samples;
      double search = n * (costs.eval_read_s + run_s(baseline)) +
                      kLabAutoCandidates * (costs.quantize_s + costs.session_s + n * run_s(v)) +
                      kLabAutoBiasPasses * costs.calibration_samples * run_s(baseline) +
                      kLabAutoProfiles * (kLabProfileSessionS + kLabProfileRuns * run_s(v)) +
                      kLabAutoTimedModels * kLabAutoTimingRuns * run_s(v);
      if (costs.auto_time_budget_s > 0) search = std::min(search, costs.auto_time_budget_s);
      e.auto_search_s += search;
    }
  }
  for (const auto& v : profile) e.profile_s += kLabProfileSessionS + kLabProfileRuns * run_s(v);
  if (!evaluate.empty() && std::find(evaluate.begin(), evaluate.end(), baseline) == evaluate.end())
    e.evaluation_s += costs.session_s;  // the baseline's session, for the paired agreement
  for (const auto& v : evaluate) {
    const double runs = run_s(v) + (v == baseline ? 0.0 : run_s(baseline));
    const double per_sample = costs.decode_threads > 0 ? std::max(runs, costs.eval_read_s / costs.decode_threads)
                                                       : runs + costs.eval_read_s;
    e.evaluation_s += costs.session_s + costs.eval_samples * per_sample;
  }
  return e;
}

LabDataCost MeasureDataCost(const DatasetSpec& spec, std::size_t probe) {
  LabDataCost c;
  try {
    const auto dataset = OpenDataset(spec);
    const std::size_t n = dataset->size();
    std::vector<double> times;
    for (std::size_t i = 0; i < std::min(probe, n); ++i) {
      const std::size_t at = i * n / std::max<std::size_t>(1, std::min(probe, n));  // spread over classes
      const auto t0 = std::chrono::steady_clock::now();
      (void)dataset->Get(at);
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    c.samples = static_cast<std::int64_t>(n);
    c.read_s = times.empty() ? 0.0 : times[times.size() / 2];
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    c = LabDataCost{};
    c.error = e.what();
  }
  return c;
}

namespace {

// The data parts of the plan's per-item costs: the real sample counts and the measured cost of
// reading one (LabBackend::MeasureData), with the defaults where the data cannot be read here.
LabItemCosts PlanItemCosts(const LabConfig& config, const LabPlan& plan, LabBackend& backend) {
  LabItemCosts c;
  const std::int64_t size0 = plan.models.empty() ? 0 : plan.input_sizes.at(plan.models.front().name).front();
  const std::int64_t threads0 = config.threads.values.front();
  // The evaluator decodes on min(4, CPUs) threads; only cores the runs leave free overlap them.
  c.decode_threads = static_cast<double>(std::clamp<std::int64_t>(DefaultThreadCount() - threads0, 0, 4));
  auto measure = [&](const std::string& path, std::size_t limit, DatasetPart part) {
    DatasetSpec spec;
    spec.path = path;
    spec.preprocess = LabPreprocess(config, size0);
    spec.limit = limit;
    spec.seed = config.seed;
    if (config.split) {
      spec.split_calibration = config.calibration_size;
      spec.part = part;
    }
    try {
      return backend.MeasureData(spec);
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      LabDataCost unknown;
      unknown.error = e.what();
      return unknown;
    }
  };
  if (!config.eval_data.empty()) {
    const LabDataCost e = measure(config.eval_data, config.eval_limit, DatasetPart::kEvaluation);
    c.eval_measured = e.Known();
    c.eval_samples = e.Known() ? static_cast<double>(e.samples)
                               : (config.eval_limit ? static_cast<double>(config.eval_limit) : kLabEvalDefaultSamples);
    if (e.Known()) c.eval_read_s = e.read_s;
  }
  if (!config.verify) c.verification_samples = 0;
  c.auto_time_budget_s = config.auto_time_budget_s;
  c.auto_eval_samples = config.eval_limit > 0 ? static_cast<double>(config.eval_limit) : kLabAutoEvalSamples;
  if (!config.eval_data.empty()) c.auto_eval_samples = std::min(c.auto_eval_samples, c.eval_samples);
  c.calibration_samples = HasCalibratedVariant(config.variants) ? static_cast<double>(config.calibration_size) : 0.0;
  const std::string calibration_path = config.split ? config.eval_data : config.calibration_data;
  if (c.calibration_samples > 0 && !calibration_path.empty()) {
    const LabDataCost k = measure(calibration_path, config.calibration_size, DatasetPart::kCalibration);
    c.calibration_measured = k.Known();
    if (k.Known()) {
      c.calibration_samples = static_cast<double>(k.samples);
      c.calibration_read_s = k.read_s;
    } else {
      c.calibration_read_s = kLabEvalDecodeS;
    }
  }
  return c;
}

}  // namespace

LabPlan PlanLab(const LabConfig& config, LabBackend& backend, const JsonlRecords* previous) {
  ValidateLabConfig(config);
  LabPlan plan;
  plan.models = LabModels(config.models);
  std::vector<std::string> names;
  for (const auto& m : plan.models) names.push_back(m.name);
  ExpandSweep(names, config.variants, config.threads, config.input_sizes, config.batches);  // checks the lists
  for (const auto& m : plan.models) {
    std::int64_t fixed = 0;
    try {
      fixed = backend.FixedInputSize(m.spec);
    } catch (const std::exception&) {
      fixed = 0;  // unreadable here: the configured sizes, and the points say what fails
    }
    SweepAxis axis = config.input_sizes;
    if (fixed != 0) {
      const std::int64_t own = fixed > 0 ? fixed : 0;
      axis.values = {own};
      plan.input_size_notes[m.name] =
          fixed > 0 ? fmt::format("fixed by the model file to {}x{} pixels", fixed, fixed)
                    : "its own shape (its file fixes a non-square image, or it has no image input)";
      if (config.input_size_given && config.input_sizes.values != axis.values)
        plan.warnings.push_back(
            {"input_size_fixed", fmt::format("--input-size {} does not apply to {}: its file fixes the input to {}, so it is "
                                             "measured at that size only (--input-size sets H = W of models whose H and "
                                             "W are dynamic)",
                                             SweepAxisToString(config.input_sizes), m.name,
                                             fixed > 0 ? fmt::format("{}x{} pixels", fixed, fixed) : std::string("its own shape"))});
    }
    plan.input_sizes[m.name] = axis.values;
    try {  // what the file holds: the baseline of an int8 or fp16 file is labelled by it
      plan.baseline_content[m.name] = backend.ModelContentLabel(m.spec, axis.values.front());
    } catch (const std::exception&) {
      plan.baseline_content[m.name] = "";  // unreadable here: the points say what fails
    }
    for (auto& g : ExpandSweep({m.name}, LabVariantsFor(config, m.name, m.spec), config.threads, axis, config.batches))
      plan.groups.push_back(std::move(g));
  }
  RestrictPlanToShard(config, &plan);  // --shard I/N: this shard's groups only
  std::set<std::string> done;
  std::set<std::string> done_models, done_accuracy, done_profiles;
  if (previous) {
    for (const auto& p : previous->points) done.insert(p.point.Key());
    for (const auto& m : previous->models) done_models.insert(m.model + "|" + m.variant);
    for (const auto& a : previous->accuracy) done_accuracy.insert(a.model + "|" + a.variant);
    for (const auto& o : previous->op_profiles) done_profiles.insert(o.model + "|" + o.variant);
  }
  std::map<std::int64_t, RooflinePeaks> peaks;
  for (auto t : config.threads.values) peaks[t] = backend.EstimatePeaks(t);
  const RooflinePeaks& first_peaks = peaks.begin()->second;
  plan.load_average_1min = ReadLoadAverage1Min();
  plan.logical_cores = static_cast<int>(std::thread::hardware_concurrency());
  plan.basis = first_peaks.ok ? fmt::format("{}; a model's fp32 runs at {:.2f} of it", first_peaks.method, kLabModelShareOfProbe)
                              : fmt::format("a default rate of {:.0f} GMAC/s (no machine-speed estimate: {})",
                                            kLabDefaultMacsPerS / 1e9, first_peaks.error);
  for (const auto& m : plan.models)
    for (auto s : plan.input_sizes[m.name]) {
      std::int64_t macs = 0;
      try {
        macs = backend.ModelMacs(m.spec, s);
      } catch (const std::exception&) {
        macs = 0;
      }
      plan.macs_per_sample[MacsKey(m.name, s)] = macs;
      try {
        plan.activation_elements[MacsKey(m.name, s)] = backend.ModelActivationElements(m.spec, s);
      } catch (const std::exception&) {
        plan.activation_elements[MacsKey(m.name, s)] = 0;
      }
      try {
        plan.macs_gap[MacsKey(m.name, s)] = backend.ModelMacsGap(m.spec, s);
      } catch (const std::exception& e) {
        plan.macs_gap[MacsKey(m.name, s)] = std::string("the model could not be inspected: ") + e.what();
      }
    }
  auto rate_for = [&](std::int64_t threads) {
    const auto& p = peaks[threads];
    return p.ok && p.fp32_macs_per_s > 0 ? kLabModelShareOfProbe * p.fp32_macs_per_s : kLabDefaultMacsPerS;
  };
  plan.costs = PlanItemCosts(config, plan, backend);
  LabItemCosts& costs = plan.costs;
  for (const auto& g : plan.groups) {
    SweepGroup todo = g;
    todo.variants.clear();
    for (const auto& p : g.Points())
      if (!done.count(p.Key())) todo.variants.push_back(p.variant);
    plan.points += static_cast<std::int64_t>(todo.variants.size());
    // Variants that cannot be made (quantizing an already quantized file) fail at once: no time.
    todo.variants.erase(std::remove_if(todo.variants.begin(), todo.variants.end(),
                                       [&](const std::string& v) { return RefusedVariant(plan, g.model, v); }),
                        todo.variants.end());
    const std::vector<std::string> recorded = todo.variants;  // each gets a memory probe
    if (!todo.variants.empty() && std::find(todo.variants.begin(), todo.variants.end(), g.variants.front()) == todo.variants.end())
      todo.variants.insert(todo.variants.begin(), g.variants.front());  // the baseline is timed along
    const std::int64_t macs = plan.macs_per_sample[MacsKey(g.model, g.input_size)];
    LabItemCosts at = costs;
    at.fp32_macs_per_s = rate_for(g.threads);
    const double probes = EstimateMemoryProbeSeconds(g, recorded, static_cast<double>(macs), at);
    plan.probe_seconds[g.GroupKey()] = probes;
    plan.group_seconds[g.GroupKey()] =
        todo.variants.empty() ? 0 : probes + EstimateGroupSeconds(todo, macs, at.fp32_macs_per_s, config.warmup_runs, config.repetitions);
  }
  // Per-model setup: loading, quantization (+ calibration runs, verification), profile and
  // evaluation of the variants whose records are not there yet.
  costs.fp32_macs_per_s = rate_for(config.threads.values.front());
  for (const auto& m : plan.models) {
    const std::string key0 = MacsKey(m.name, plan.input_sizes[m.name].front());
    const double macs = static_cast<double>(plan.macs_per_sample[key0]);
    std::vector<std::string> prepare, profile, evaluate;
    bool has_groups = false;
    for (const auto& g : plan.groups) has_groups = has_groups || g.model == m.name;
    if (!has_groups && !plan.Extras(m.name)) continue;  // another shard's model
    for (const auto& v : LabVariantsFor(config, m.name, m.spec)) {
      if (RefusedVariant(plan, m.name, v)) continue;  // refused at once, nothing to prepare, profile or evaluate
      const std::string key = m.name + "|" + v;
      if (!done_models.count(key)) prepare.push_back(v);
      if (config.roofline && plan.Extras(m.name) && !done_profiles.count(key)) profile.push_back(v);
      if (costs.eval_samples > 0 && plan.Extras(m.name) && !done_accuracy.count(key)) evaluate.push_back(v);
    }
    plan.model_setup[m.name] = EstimateModelSetup(prepare, profile, evaluate, config.variants.front(), macs, costs,
                                                  static_cast<double>(plan.activation_elements[key0]));
    plan.model_setup_seconds[m.name] = plan.model_setup[m.name].Total();
  }
  for (const auto& [t, p] : peaks)
    if (config.roofline && !p.from_cache) plan.roofline_seconds += kLabRooflineMeasureS;
  plan.total_seconds = plan.roofline_seconds;
  for (const auto& [k, s] : plan.group_seconds) plan.total_seconds += s;
  for (const auto& [k, s] : plan.model_setup_seconds) plan.total_seconds += s;
  return plan;
}

std::string FormatLabPlan(const LabPlan& plan, const LabConfig& config) {
  std::string out;
  out += fmt::format("qbench lab plan: {} model(s) x {} variant(s) x batch [{}] x input size [{}] x threads [{}]\n",
                     plan.models.size(), config.variants.size(), SweepAxisToString(config.batches),
                     InputSizesText(plan, config), SweepAxisToString(config.threads));
  out += fmt::format("  = {} point(s) to measure in {} interleaved group(s); k = {} repetitions after {} warm-up run(s)\n",
                     plan.points, plan.groups.size(), config.repetitions, config.warmup_runs);
  out += "  variants: " + BaselineText(plan, config.variants.front());
  for (std::size_t i = 1; i < config.variants.size(); ++i) out += ", " + config.variants[i];
  for (const auto& e : config.external)
    out += fmt::format("\n  external variant: {} of {} = {} (measured as it is)", e.label, e.model, e.path);
  if (config.provider != "cpu") out += "\n  execution provider: " + config.provider;
  out += "\n  output: " + config.output_dir + "/ (results.jsonl, results.json, results.csv, report.md, plots/*.png)\n";
  // How many samples the evaluation reads (MeasureData opened its part: the split's rest, at most
  // --eval-limit): a limit above what is there takes all of it.
  const LabItemCosts& costs = plan.costs;
  const std::string random_limit =
      fmt::format("a random {} sample(s) (seed {}, stratified by label)", config.eval_limit, config.seed);
  const std::string how_many =
      !costs.eval_measured ? (config.eval_limit ? random_limit : std::string())
      : config.eval_limit && costs.eval_samples < config.eval_limit
          ? fmt::format("all {:.0f} sample(s) (--eval-limit {} > {:.0f} available)", costs.eval_samples, config.eval_limit,
                        costs.eval_samples)
      : config.eval_limit ? random_limit
                          : fmt::format("{:.0f} sample(s)", costs.eval_samples);
  out += "  evaluation: " + (config.eval_data.empty() ? std::string("none (give --eval-data for accuracy)") : config.eval_data) +
         (config.eval_data.empty() || config.split || !config.eval_limit ? std::string() : ", " + how_many) + "\n";
  if (config.split)
    out += fmt::format("  split: {} sample(s) of {} drawn for calibration (seed {}, stratified by label), evaluation on "
                       "the others{}\n",
                       config.calibration_size, config.eval_data, config.seed, how_many.empty() ? "" : ": " + how_many);
  else if (!HasCalibratedVariant(config.variants))
    out += "  calibration: none (no variant here is calibrated; only the static ones are)\n";
  else
    out += "  calibration: " +
           (config.calibration_data.empty() ? std::string("random data (warned)") : config.calibration_data) +
           fmt::format(", {} sample(s) drawn at random (seed {})\n", config.calibration_size, config.seed);
  const std::string weight_range = LabWeightRangeLine(config);
  if (!weight_range.empty()) out += "  weight range: " + weight_range + "\n";
  if (!config.eval_data.empty() || !config.calibration_data.empty() || config.split) {
    // How images are preprocessed at each model's size (accuracy and calibration use its first size).
    std::set<std::int64_t> sizes;
    for (const auto& [m, v] : plan.input_sizes)
      if (!v.empty()) sizes.insert(v.front());
    for (auto s : sizes) out += "  preprocessing: " + DescribeLabPreprocess(config, s) + "\n";
  }
  std::size_t width = 44;  // the model column fits the longest "name (spec)"
  for (const auto& m : plan.models) width = std::max(width, m.name.size() + m.spec.size() + 3);
  out += fmt::format("\n  {:<{}} {:>10} {:>11}   {:>6}   {:>9}\n", "model", width, "input size", "MACs/sample", "points", "est. time");
  for (const auto& m : plan.models) {
    double s = plan.model_setup_seconds.count(m.name) ? plan.model_setup_seconds.at(m.name) : 0;
    std::int64_t pts = 0;
    for (const auto& g : plan.groups)
      if (g.model == m.name) {
        s += plan.group_seconds.count(g.GroupKey()) ? plan.group_seconds.at(g.GroupKey()) : 0;
        pts += static_cast<std::int64_t>(g.variants.size());
      }
    const auto sizes_it = plan.input_sizes.find(m.name);
    const std::vector<std::int64_t> sizes = sizes_it != plan.input_sizes.end() ? sizes_it->second : config.input_sizes.values;
    const std::string key = MacsKey(m.name, sizes.front());
    const std::int64_t macs = plan.macs_per_sample.count(key) ? plan.macs_per_sample.at(key) : 0;
    std::string size_text;
    for (auto v : sizes) size_text += (size_text.empty() ? "" : ",") + (v > 0 ? std::to_string(v) : std::string("own"));
    out += fmt::format("  {:<{}} {:>10} {:>11}   {:>6}   {:>9}\n", m.name + " (" + m.spec + ")", width, size_text,
                       macs <= 0                                                        ? std::string("?")
                       : plan.macs_gap.count(key) && !plan.macs_gap.at(key).empty() ? fmt::format(">={:.3f} G*", macs / 1e9)
                                                                                        : fmt::format("{:.3f} G", macs / 1e9),
                       pts, FormatDuration(s));
    // What the model's time is made of, so that a surprising estimate can be traced to its part.
    double timing = 0, probes = 0;
    for (const auto& g : plan.groups)
      if (g.model == m.name) {
        const std::string k = g.GroupKey();
        const double p = plan.probe_seconds.count(k) ? plan.probe_seconds.at(k) : 0;
        probes += p;
        timing += (plan.group_seconds.count(k) ? plan.group_seconds.at(k) : 0) - p;
      }
    if (plan.model_setup.count(m.name)) {
      const LabSetupEstimate& e = plan.model_setup.at(m.name);
      std::string parts = fmt::format("timing {}, memory probes {}, loading and quantizing {}", FormatDuration(timing),
                                      FormatDuration(probes), FormatDuration(e.load_s + e.prepare_s));
      if (e.calibration_s > 0) parts += ", calibration " + FormatDuration(e.calibration_s);
      if (e.verification_s > 0) parts += ", verification " + FormatDuration(e.verification_s);
      if (e.profile_s > 0) parts += ", op profiles " + FormatDuration(e.profile_s);
      if (e.evaluation_s > 0) parts += ", evaluation " + FormatDuration(e.evaluation_s);
      if (e.auto_search_s > 0) parts += ", auto search " + FormatDuration(e.auto_search_s);
      out += "    " + parts + "\n";
    }
    for (const auto& v : config.variants)
      if (RefusedVariant(plan, m.name, v))
        out += fmt::format("    {}: not applicable: {}; not timed, no time counted (quantize the fp32 original instead)\n", v,
                           VariantNotApplicable(plan.baseline_content.at(m.name), v));
  }
  const LabItemCosts& c = plan.costs;
  if (c.eval_samples > 0)
    out += fmt::format("  evaluation data: {:.0f} sample(s) per variant, {:.1f} ms to read and preprocess one ({})\n",
                       c.eval_samples, 1e3 * c.eval_read_s,
                       c.eval_measured ? "measured now on a few of them" : "assumed: the data could not be read here");
  if (c.calibration_read_s > 0)
    out += fmt::format("  calibration data: {:.0f} sample(s) per static variant, {:.1f} ms to read one ({})\n",
                       c.calibration_samples, 1e3 * c.calibration_read_s,
                       c.calibration_measured ? "measured now" : "assumed: the data could not be read here");
  if (plan.roofline_seconds > 0)
    out += fmt::format("  {:<{}} {:>10} {:>11}   {:>6}   {:>9}\n", "roofline peaks (measured once, then cached)", width, "", "", "",
                       FormatDuration(plan.roofline_seconds));
  // Per model (its first input size with a gap): the cause inspection names.
  std::set<std::string> said;
  for (const auto& [key, gap] : plan.macs_gap) {
    const std::string model = key.substr(0, key.rfind("|s"));
    if (gap.empty() || !said.insert(model).second) continue;
    out += "  * MACs incomplete for " + model + ": " + gap + "; the count and the time estimate are lower bounds\n";
  }
  for (const auto& [m, note] : plan.input_size_notes)
    out += fmt::format("  {}: input size {}; measured at that size{}\n", m, note,
                       config.input_size_given ? " whatever --input-size says" : "");
  out += fmt::format("\n  estimated duration: {} (basis: {})\n", FormatDuration(plan.total_seconds), plan.basis);
  // The basis was measured under the load of the moment, which comes and goes (the s20 study: 44 s
  // estimated at load 6, 1 min 45 s taken): the shared busy-machine check says when not to trust it.
  if (const std::string busy = BusyMachine(plan.load_average_1min, plan.logical_cores); !busy.empty())
    out += "  machine busy (" + busy + "): the estimate can be off several-fold either way\n";
  return out;
}

}  // namespace qbench
