// qbench lab: the whole quantization study in one command — models × variants × batch / input size /
// threads, timed interleaved, with accuracy, a roofline view, results files, plots and a report.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "dataset_flags.h"
#include "flags.h"
#include "suggest.h"
#include "qbench/benchmark/environment.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/lab/config.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/lab/preflight.h"
#include "qbench/lab/results.h"
#include "qbench/lab/shard.h"
#include "qbench/report/analysis.h"
#include "qbench/report/study_report.h"

namespace qbench::cli {
namespace {

volatile sig_atomic_t g_sigints = 0;  // Ctrl-C presses during this lab
char g_doing[200] = "starting";        // what the lab is doing (from its progress), for the Ctrl-C message

void WriteErr(const char* s) {
  ssize_t ignored = ::write(STDERR_FILENO, s, std::strlen(s));
  (void)ignored;
}

// Async-signal-safe: an atomic flag (core/cancel.h) and write(2). The first Ctrl-C stops the lab
// within about a second (every long loop polls the flag) and the results files are then written from
// what was measured; a second skips the plots (the results files are still written); a third ends
// the process at once (results.jsonl, written durably point by point, keeps every measured point).
void OnSigint(int) {
  const int n = g_sigints + 1;
  g_sigints = n;
  RequestCancel();
  if (n == 1) {
    WriteErr("\nqbench: Ctrl-C: stopping (was: ");
    WriteErr(g_doing);
    WriteErr("); then writing report.md, results.json and results.csv from what was measured "
             "(Ctrl-C again skips the plots)\n");
  } else if (n == 2) {
    WriteErr("\nqbench: Ctrl-C again: the plots are skipped, the results files are still written "
             "(a third Ctrl-C ends at once; results.jsonl already holds every measured point)\n");
  } else {
    ::_exit(130);
  }
}

struct LabFlags {
  std::string config_file;
  std::string models, variants, batch, input_size, threads;
  int repetitions = 10, warmup_runs = 3;
  std::string eval_data, output, roofline_cache;
  PreprocessFlags pre;
  VerifyFlags verify;
  std::size_t eval_limit = 0;
  CalibrationFlags calib;
  std::uint64_t seed = 0;
  double auto_max_drop = 1.0, auto_time_budget = 300;
  std::string weight_range = "auto";
  ShapeFlags shape;
  std::string provider = "cpu", sysfs_root = "/sys";
  std::vector<std::string> compare_files;
  bool dry_run = false, resume = false, force = false, split = false, no_roofline = false, no_plots = false, refresh_roofline = false;
  std::string device, shard, plan_file;
  bool plan = false;
  int shards = 0;
  std::map<std::string, CLI::Option*> opts;
  bool Given(const std::string& flag) const {
    auto it = opts.find(flag);
    return it != opts.end() && it->second->count() > 0;
  }
};

std::string Clock(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  const long long t = static_cast<long long>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60) : fmt::format("{}:{:02}", t / 60, t % 60);
}

// Draws the progress bar on stderr: redrawn in place on a terminal, one line per change otherwise.
class ProgressBar {
 public:
  ProgressBar() : tty_(::isatty(STDERR_FILENO) != 0) {}
  void Update(const LabProgress& p) {
    if (GetLogLevel() < LogLevel::kInfo) return;
    const int width = 24;
    const double frac = p.total > 0 ? static_cast<double>(p.done) / static_cast<double>(p.total) : 0.0;
    const int filled = static_cast<int>(frac * width);
    std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    std::string line = fmt::format("[{}] {}/{} points{} | {} elapsed, ETA {} | {}", bar, p.done, p.total,
                                   p.failed ? fmt::format(", {} failed", p.failed) : "", Clock(p.elapsed_s), Clock(p.eta_s),
                                   p.current);
    if (tty_) {
      if (line.size() > 150) line = line.substr(0, 147) + "...";
      std::fprintf(stderr, "\r%-150s", line.c_str());
      if (p.current == "done" || p.current == "interrupted") std::fputc('\n', stderr);
    } else if (line != last_) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
    last_ = line;
  }
  void Break() {
    if (tty_ && !last_.empty()) std::fputc('\n', stderr);
  }

 private:
  bool tty_;
  std::string last_;
};

LabConfig BuildConfig(const LabFlags& f) {
  // --plan-file: the plan's own settings are the defaults (flags given along must agree: CheckShardPlan).
  LabConfig c = f.plan_file.empty() ? DefaultLabConfig() : LabConfigFromPlan(ReadPlanFile(f.plan_file), f.plan_file);
  if (!f.config_file.empty()) ApplyLabConfigFile(f.config_file, &c);
  if (f.Given("--models")) c.models = SplitListStrict(f.models, "--models", "--models zoo:resnet18,model.onnx");
  if (f.Given("--variants")) c.variants = SplitListStrict(f.variants, "--variants", "--variants fp32,static");
  if (f.Given("--batch")) c.batches = ParseSweepAxis("--batch", f.batch);
  if (f.Given("--input-size")) {
    c.input_sizes = ParseSweepAxis("--input-size", f.input_size);
    c.input_size_given = true;
  }
  if (f.Given("--threads")) c.threads = ParseThreadsAxis("--threads", f.threads);
  if (f.Given("--repetitions")) c.repetitions = f.repetitions;
  if (f.Given("--warmup-runs")) c.warmup_runs = f.warmup_runs;
  if (f.Given("--eval-data")) c.eval_data = f.eval_data;
  if (f.Given("--eval-limit")) c.eval_limit = f.eval_limit;
  if (f.Given("--preset")) c.preprocess = f.pre.preset;
  // The other preprocessing flags over the config file's keys, one by one (given ones only).
  if (f.Given("--resize")) c.preprocessing.resize = f.pre.resize;
  if (f.Given("--crop")) c.preprocessing.crop = f.pre.crop;
  if (f.Given("--pad")) c.preprocessing.pad = f.pre.pad;
  if (f.Given("--mean")) c.preprocessing.mean = f.pre.mean;
  if (f.Given("--std")) c.preprocessing.std_dev = f.pre.std_dev;
  if (f.Given("--layout")) c.preprocessing.layout = f.pre.layout;
  if (f.Given("--channel-order")) c.preprocessing.channel_order = f.pre.channel_order;
  if (f.Given("--channels")) c.preprocessing.channels = f.pre.channels;
  if (f.verify.no_verify) c.verify = false;
  if (f.verify.strict) c.strict = true;
  if (f.Given("--calibration-data")) c.calibration_data = f.calib.data;
  if (f.Given("--calibration-size")) c.calibration_size = f.calib.size;
  if (f.Given("--calibration-method")) c.calibration_method = f.calib.method;
  if (f.Given("--weight-range")) c.weight_range = ParseWeightRange(f.weight_range);
  if (f.Given("--auto-max-drop")) c.auto_max_drop_points = f.auto_max_drop;
  if (f.Given("--auto-time-budget")) c.auto_time_budget_s = f.auto_time_budget;
  if (f.Given("--output")) c.output_dir = f.output;
  if (f.Given("--roofline-cache")) c.roofline_cache = f.roofline_cache;
  if (f.Given("--seed")) c.seed = f.seed;
  if (f.Given("--dim")) c.dims = f.shape.dims;
  if (f.Given("--shape")) c.shapes = f.shape.shapes;
  if (f.Given("--provider")) c.provider = f.provider;
  if (f.Given("--sysfs-root")) c.sysfs_root = f.sysfs_root;
  if (f.Given("--compare-file")) {
    c.external.clear();
    for (const auto& item : f.compare_files) c.external.push_back(ParseCompareFile(item));
  }
  if (f.no_roofline) c.roofline = false;
  c.refresh_roofline = f.refresh_roofline;
  c.dry_run = f.dry_run;
  c.resume = f.resume;
  c.force = f.force;
  if (f.split) c.split = true;
  if (f.Given("--device")) {
    if (f.device.empty()) throw Error(ErrorCode::kInvalidArgument, "--device is empty; give a label, e.g. --device jetson-orin");
    c.device = f.device;
  }
  c.plan_file = f.plan_file;
  if (f.Given("--shard")) ParseShardSpec(f.shard, &c.shard_index, &c.shard_count);
  if (f.plan && c.shard_count > 0)
    throw Error(ErrorCode::kInvalidArgument, "--plan writes the plan of the whole study; give --shards N with it, and "
                                             "--shard I/N to the runs that measure");
  if (f.Given("--shards") && !f.plan)
    throw Error(ErrorCode::kInvalidArgument, "--shards applies to --plan; a measuring run takes --shard I/N");
  if (f.Given("--shards") && (f.shards < 1 || f.shards > 4096))
    throw Error(ErrorCode::kInvalidArgument, fmt::format("--shards {} is out of range; give 1 to 4096", f.shards));
  ValidateLabConfig(c);
  return c;
}

// Warnings on stderr, with the prefix of qbench's log (core/log.cc): "[qbench] warning: ...".
void PrintWarning(const std::string& code, const std::string& message) { Log(LogLevel::kWarning, message + " [" + code + "]"); }

// `qbench lab --plan`: writes DIR/plan.json (an identical one already there is kept; another is refused).
void WritePlanCommand(const LabConfig& config, int shards) {
  CheckLabInputs(config);
  OrtLabBackend backend(config, nullptr);
  const LabPlan plan = PlanLab(config, backend);
  const LabPlanFile j = MakeLabPlanFile(config, plan, shards);
  const std::string path = PlanJsonPath(config.output_dir);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    const LabPlanFile old = ReadPlanFile(path);
    std::vector<std::string> diff = DiffPlan(old, j);
    if (old.shards != shards) diff.push_back(fmt::format("--shards {} earlier, {} now", old.shards, shards));
    if (!diff.empty()) {
      std::string list;
      for (const auto& d : diff) list += (list.empty() ? "" : "; ") + d;
      throw Error(ErrorCode::kInvalidArgument, "--plan: " + path + " holds another plan (" + list +
                                                   "); its shards' results would not match: give another --output");
    }
  }
  std::filesystem::create_directories(config.output_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create output folder '" + config.output_dir + "': " + ec.message());
  WriteFileAtomic(path, nlohmann::json(j).dump(2) + "\n");
  std::printf("qbench lab --plan: %lld point(s) in %zu unit(s) of %zu model(s) -> %s\n",
              static_cast<long long>(j.points), plan.groups.size(), plan.models.size(), path.c_str());
  if (shards > 0) {
    const auto shard_of = AssignShards(plan.groups.size(), shards);
    for (int s = 0; s < shards; ++s) {
      std::int64_t pts = 0;
      std::vector<std::string> models;
      for (std::size_t u = 0; u < plan.groups.size(); ++u)
        if (shard_of[u] == s) {
          pts += static_cast<std::int64_t>(plan.groups[u].variants.size());
          if (models.empty() || models.back() != plan.groups[u].model) models.push_back(plan.groups[u].model);
        }
      std::string m;
      for (const auto& x : models) m += (m.empty() ? "" : ", ") + x;
      std::printf("  shard %d/%d: %lld point(s)%s\n", s, shards, static_cast<long long>(pts), m.empty() ? "" : (" of " + m).c_str());
    }
  }
  std::printf("  measure: qbench lab --plan-file %s --shard I/N [--device LABEL] for each shard I, then: qbench report %s\n",
              path.c_str(), config.output_dir.c_str());
}

// What a shard run prints: its file and how to merge.
void ReportShard(const LabConfig& config, const LabStudy& study, const WarningList& warnings) {
  std::printf("qbench lab: shard %d/%d on '%s': %zu point(s) recorded, %lld failed, %s in %.1f s -> %s\n", config.shard_index,
              config.shard_count, LabDeviceLabel(config).c_str(), study.points.size(), static_cast<long long>(study.FailedPoints()),
              study.interrupted ? "INTERRUPTED" : "done", study.duration_s, LabResultsPath(config).c_str());
  std::printf("  merge the shards: qbench report %s\n", config.output_dir.c_str());
  std::fflush(stdout);
  for (const auto& w : warnings.items()) PrintWarning(w.code, w.message);
  if (study.interrupted) {
    std::fprintf(stderr, "qbench: interrupted; `qbench lab --resume --shard %d/%d` (same flags) measures the rest.\n",
                 config.shard_index, config.shard_count);
    SetExitCode(130);
  } else if (study.FailedPoints() > 0) {
    SetExitCode(kExitFailure);
  }
}

void RunLabCommand(const LabFlags& flags) {
  // Everything is checked before anything is measured, --dry-run included: flags (BuildConfig),
  // models and data paths (CheckLabInputs), and with --resume the earlier run's settings.
  const LabConfig config = BuildConfig(flags);
  if (flags.plan) {
    WritePlanCommand(config, flags.shards);
    return;
  }
  CheckOutputFolder(config);  // a study there needs --resume or --force; --resume needs one
  CheckLabInputs(config);
  std::unique_ptr<JsonlRecords> previous;
  if (config.resume) {
    previous = std::make_unique<JsonlRecords>(ReadResultsJsonl(LabResultsPath(config)));
    CheckResumeSettings(config, *previous);  // RunLab checks again; here it fails before any output
  }
  if (config.shard_count > 0) {  // a plan that disagrees is refused before anything is measured
    OrtLabBackend backend(config, nullptr);
    LabConfig whole = config;
    whole.shard_count = 0;
    CheckShardPlan(config, PlanLab(whole, backend));
  }
  if (config.dry_run) {
    OrtLabBackend backend(config, nullptr);
    const LabPlan plan = PlanLab(config, backend, previous.get());
    std::fputs(FormatLabPlan(plan, config).c_str(), stdout);
    std::fflush(stdout);
    for (const auto& w : LabConfigWarnings(config)) PrintWarning(w.code, w.message);
    for (const auto& w : plan.warnings) PrintWarning(w.code, w.message);
    WarningList busy;  // the run says it again, and in report.md
    const EnvironmentInfo env = backend.Environment();
    AddBusyMachineWarning(env.load_average_1min, env.logical_cores, &busy);
    for (const auto& w : busy.items()) PrintWarning(w.code, w.message);
    if (config.force && HoldsStudy(config.output_dir))
      LogInfo("--force: the study in '" + config.output_dir + "' would be moved to a dated folder beside it");
    return;
  }
  WarningList warnings;
  OrtLabBackend backend(config, &warnings);
  if (HasCalibratedVariant(config.variants) && config.calibration_data.empty() && !config.split &&
      config.eval_data.empty())  // with --eval-data: the random_calibration warning (LabConfigWarnings)
    LogInfo(fmt::format("static variants are calibrated on {} random samples (give --calibration-data for "
                        "representative ranges)", config.calibration_size));
  g_sigints = 0;
  ResetCancel();
  struct sigaction sa {}, old {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old);
  ProgressBar bar;
  LabRunOptions opts;
  opts.on_progress = [&bar](const LabProgress& p) {
    std::snprintf(g_doing, sizeof g_doing, "%s", p.current.c_str());
    bar.Update(p);
  };
  opts.should_stop = [] { return g_sigints != 0; };
  opts.warnings = &warnings;
  LabStudy study;
  try {
    study = RunLab(config, backend, opts);
  } catch (...) {
    bar.Break();
    ::sigaction(SIGINT, &old, nullptr);
    throw;
  }
  if (config.shard_count > 0) {  // a shard writes results.<device>.<I>.jsonl only; `qbench report` merges
    ::sigaction(SIGINT, &old, nullptr);
    ReportShard(config, study, warnings);
    return;
  }
  if (!study.config.earlier_study_moved_to.empty())
    LogInfo("--force: the earlier study in '" + config.output_dir + "' was moved to '" +
            study.config.earlier_study_moved_to + "'");
  // Results files are written even after Ctrl-C, from what was measured; a second Ctrl-C skips the
  // plots, also the rest of them when it comes while they are drawn.
  if (study.interrupted)
    LogInfo("writing report.md, results.json and results.csv from the " + std::to_string(study.points.size()) +
            " point(s) measured" + (g_sigints >= 2 || flags.no_plots ? "" : ", with plots"));
  const auto written =
      WriteStudyOutputs(study, config.output_dir, !flags.no_plots && g_sigints < 2, [] { return g_sigints >= 2; });
  ::sigaction(SIGINT, &old, nullptr);

  std::int64_t plots = 0;
  for (const auto& w : written) plots += w.find("/plots/") != std::string::npos ? 1 : 0;
  // --resume: the points this run measured, and the study's (R14: not the earlier runs' as this run's).
  const std::string recorded =
      study.resumed_points > 0
          ? fmt::format("{} new point(s) recorded ({} in the study with earlier runs){}",
                        static_cast<std::int64_t>(study.points.size()) - study.resumed_points, study.points.size(),
                        study.accuracy_evaluated > 0 ? fmt::format(", accuracy evaluated for {} variant(s)", study.accuracy_evaluated) : "")
          : fmt::format("{} point(s) recorded", study.points.size());
  std::printf("qbench lab: %s, %lld failed%s, %s in %.1f s%s\n", recorded.c_str(),
              static_cast<long long>(study.FailedPoints()),
              study.NotApplicablePoints() ? fmt::format(", {} not applicable", study.NotApplicablePoints()).c_str() : "", study.interrupted ? "INTERRUPTED" : "done", study.duration_s,
              study.total_duration_s > study.duration_s + 0.05 ? fmt::format(" ({:.1f} s in total with earlier runs)", study.total_duration_s).c_str() : "");
  std::printf("  report:  %s/report.md, report.html\n", config.output_dir.c_str());
  std::printf("  results: %s/results.json, results.csv, results.jsonl\n", config.output_dir.c_str());
  if (flags.no_plots)
    std::printf("  plots:   off (--no-plots)\n");
  else if (PlotsBuiltIn() && plots == 0 && g_sigints >= 2)
    std::printf("  plots:   skipped (second Ctrl-C)\n");
  else if (PlotsBuiltIn())
    std::printf("  plots:   %s/plots/ (%lld PNG files)\n", config.output_dir.c_str(), static_cast<long long>(plots));
  else
    std::printf("  plots:   none (this qbench was built with -DQBENCH_PLOTS=OFF)\n");
  std::printf("  models:  %s/models/\n", config.output_dir.c_str());
  // A compact summary: median latency, speedup with its CI and verdict, and size ratio at the reference
  // point of each model (StudySummaryLines).
  for (const auto& line : StudySummaryLines(study)) std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  for (const auto& w : warnings.items()) PrintWarning(w.code, w.message);
  const std::size_t earlier = study.warnings.size() > warnings.items().size() ? study.warnings.size() - warnings.items().size() : 0;
  if (earlier > 0) LogInfo(fmt::format("{} warning(s) of earlier runs of this study are listed in report.md", earlier));
  if (study.interrupted) {
    std::fprintf(stderr, "qbench: interrupted; partial results written. `qbench lab --resume` (same flags) measures the rest.\n");
    SetExitCode(130);
  } else if (study.FailedPoints() > 0) {
    std::fprintf(stderr, "qbench: %lld point(s) failed (recorded with their errors in the report)\n",
                 static_cast<long long>(study.FailedPoints()));
    SetExitCode(kExitFailure);
  }
}

void RegisterLab(CLI::App& app) {
  auto f = std::make_shared<LabFlags>();
  auto* cmd = app.add_subcommand(
      "lab",
      "The whole quantization study in one command: quantize each model (dynamic and static int8), time fp32 and "
      "the int8 variants interleaved over a sweep of batch sizes (input sizes, threads), measure size, memory, "
      "accuracy (with --eval-data) and a roofline view, and write results.jsonl/json/csv, plots, report.md and report.html (self-contained) into "
      "the output folder.\nDefaults: models zoo:mobilenet_v2, zoo:mobilenet_v3_small, zoo:resnet18, zoo:squeezenet1_1; "
      "variants fp32, dynamic, static; batch 1,2,4,8,16; k = 10.\nLists take ranges: 1-16*2 (geometric), 1-8+1 "
      "(arithmetic). Flags override the --config file.\nExit status: 0 all points measured, 1 some failed (recorded), "
      "2 usage error (also: an output folder holding a study without --resume/--force), 130 interrupted (Ctrl-C; "
      "partial results written, --resume continues).");
  SetPositionalHint(cmd, "give models with --models (e.g. --models a.onnx,b.onnx)");
  auto add = [&](const std::string& name, auto& var, const std::string& help) {
    f->opts[name.substr(name.rfind(',') == std::string::npos ? 0 : name.rfind(',') + 1)] = cmd->add_option(name, var, help);
  };
  add("--config", f->config_file, "TOML file with the settings below (keys: models, variants, batch, input_size, threads, "
                                  "repetitions, warmup_runs, output, eval_data, eval_limit, preprocess, resize, crop, pad, mean, "
                                  "std, layout, channel_order, channels, calibration_data, calibration_size, "
                                  "calibration_method, weight_range, verify, strict, roofline, roofline_cache, seed, dim, shape, "
                                  "split, provider, sysfs_root, compare_file)");
  add("--models", f->models, "Comma-separated ONNX files or zoo:NAME");
  std::string variant_help = "Comma-separated variants, the first is the baseline:";
  for (const auto& v : LabVariants()) variant_help += std::string(" ") + v.name + " (" + v.description + ");";
  add("--variants", f->variants, variant_help);
  add("--batch", f->batch, "Batch sizes, e.g. 1,2,4,8,16 or 1-16*2");
  add("--input-size", f->input_size, "Spatial input sizes H = W in pixels, e.g. 224 or 128,160,224 (default 224); "
                                     "applies to models with dynamic H/W: a model whose file fixes H = W is "
                                     "measured at its own size");
  f->opts["--threads"] = AddThreadsSweepFlag(cmd, &f->threads, "Intra-op thread counts, e.g. 2 or 1,2 (default and 0: the "
                                                                "CPUs available; more than the logical cores is warned)");
  add("--repetitions", f->repetitions, "Timed runs per point (k)");
  add("--warmup-runs", f->warmup_runs, "Untimed runs per point before timing");
  f->opts["--eval-data"] =
      AddEvalDataFlag(cmd, &f->eval_data, "Evaluation set for accuracy (labels CSV, image folder, class folders, .npy, .u8)");
  f->opts["--eval-limit"] = AddEvalLimitFlag(cmd, &f->eval_limit, "Evaluate at most this many samples, a seeded random subset "
                                                                     "stratified by label (--seed; 0 = all)");
  AddPreprocessFlags(cmd, &f->pre, "Evaluation/calibration images (at every input size; without --resize/--crop the "
                                   "imagenet preset is rescaled to each size)");
  for (const char* n : {"--preset", "--resize", "--crop", "--pad", "--mean", "--std", "--layout", "--channel-order", "--channels"})
    f->opts[n] = cmd->get_option(n);
  AddVerifyFlags(cmd, &f->verify, "A quantized variant whose output still collapses after the automatic fp32 fallback "
                                  "is not measured (its points fail with the reason) instead of being measured with a "
                                  "warning");
  AddCalibrationFlags(cmd, &f->calib, true,
                      "Calibration data for the static variants (default: random, warned). Use data disjoint from "
                      "--eval-data: the lab warns when they are the same dataset (calibrating on evaluation images "
                      "flatters accuracy)");
  for (const char* n : {"--calibration-data", "--calibration-size", "--calibration-method"}) f->opts[n] = cmd->get_option(n);
  f->opts["--weight-range"] = AddWeightRangeFlag(cmd, &f->weight_range, "; for the int8 variants (static, dynamic, auto: "
                                                                         "auto also tries the others), as quantize --weight-range");
  add("--auto-max-drop", f->auto_max_drop, "Variant auto: percentage points of top-1 agreement with fp32 its choice may "
                                           "lose, in [0, 100] (default 1; quantize --auto --max-drop)");
  add("--auto-time-budget", f->auto_time_budget, "Variant auto: seconds its search may take per model (default 300, "
                                                 "0 = none; quantize --auto --time-budget)");
  add("-o,--output", f->output, "Output folder (default ./qbench-lab)");
  add("--roofline-cache", f->roofline_cache, "Roofline peaks cache file (default ~/.cache/qbench/roofline.json)");
  add("--seed", f->seed, "Seed of zoo weights, random inputs, random calibration data and of the random subsets "
                         "(--eval-limit, --calibration-size, --split)");
  AddShapeFlags(cmd, &f->shape, "for the models that have that input or dimension; dim 0 follows --batch where the "
                                "input has a batch dimension");
  for (const char* n : {"--shape", "--dim"}) f->opts[n] = cmd->get_option(n);
  f->opts["--provider"] = AddProviderFlag(cmd, &f->provider);
  add("--compare-file", f->compare_files,
      "MODEL:LABEL=PATH (repeatable): measure PATH, a model made elsewhere (a QAT export, another quantizer's "
      "output, a model zoo's int8 file), as variant LABEL of MODEL (a --models entry or its name), exactly like "
      "qbench's own variants; the report marks it external and says what it holds");
  add("--sysfs-root", f->sysfs_root, "Where the power sensors are read for energy per inference (default /sys; a "
                                     "copy of a board's sysfs tree for tests)");
  // Numbers are checked by CLI11 before anything runs: an empty value is not read as 0, and a negative
  // one is not wrapped to 2^64 - N by the unsigned options (command.h).
  for (const char* n : {"--repetitions", "--warmup-runs"}) f->opts.at(n)->check(NumericValue());
  f->opts.at("--seed")->check(NumericValue())->check(NonNegativeValue());
  cmd->add_flag("--dry-run", f->dry_run, "Print the plan and its estimated duration; measure nothing");
  cmd->add_flag("--resume", f->resume, "Continue the study in the output folder (refused when it holds none): skip "
                                       "points already in results.jsonl. "
                                       "Refused when the settings that define a measurement (repetitions, warm-up, "
                                       "seed, calibration, evaluation data, preprocessing, baseline, model files) "
                                       "differ from the earlier run's");
  cmd->add_flag("--force", f->force, "Run into an output folder that holds a study: move the old study's files to a "
                                     "dated folder beside it (<output>.YYYYmmdd-HHMMSS) first. Without --force or "
                                     "--resume such a folder is refused");
  cmd->add_flag("--split", f->split, "Calibrate and evaluate on disjoint parts of --eval-data: the static variants are "
                                     "calibrated on a seeded random subset of --calibration-size samples (stratified "
                                     "by label), accuracy is measured on the rest (at most --eval-limit, also drawn "
                                     "at random with --seed)");
  cmd->add_flag("--no-roofline", f->no_roofline, "Skip the roofline peaks and the per-op profiles");
  cmd->add_flag("--refresh-roofline", f->refresh_roofline,
                "Measure the roofline peaks now and replace the cached ones (they are also measured again once 30 days old)");
  cmd->add_flag("--no-plots", f->no_plots, "Do not draw the PNG plots");
  add("--device", f->device, "Name of this machine in results and reports (default: hostname and CPU model); "
                             "`qbench report DIR1 DIR2 -o OUT` merges studies of several devices");
  cmd->add_flag("--plan", f->plan, "Write OUTPUT/plan.json (every point with its id, grouped into units timed together, "
                                   "and the settings that define a measurement) and measure nothing; then run shards "
                                   "with --plan-file OUTPUT/plan.json --shard I/N (docs/scale-out.md)");
  add("--shards", f->shards, "With --plan: record this shard count and each unit's shard in plan.json");
  add("--shard", f->shard, "Measure only shard I of N (0-based, e.g. 2/8) into OUTPUT/results.<device>.<I>.jsonl, "
                           "models into OUTPUT/models/<device>.<I>/; refused when OUTPUT/plan.json has other settings. "
                           "With --resume: only the shard's missing points. `qbench report OUTPUT` merges the shards");
  add("--plan-file", f->plan_file, "The plan (plan.json) to measure: its settings are the defaults, flags given along must "
                                   "agree; the output folder defaults to the plan's folder");
  cmd->callback([f] { RunLabCommand(*f); });
}

}  // namespace

QBENCH_REGISTER_COMMAND(50, RegisterLab);

}  // namespace qbench::cli
