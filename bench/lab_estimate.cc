// lab_estimate: issue 10's "--dry-run estimate within ±50 % of the real duration", measured in one
// run on this machine. For each study it prints the estimate (PlanLab, what `qbench lab --dry-run`
// prints), then runs the study as `qbench lab` does (RunLab + WriteStudyOutputs) into a temporary
// folder and prints the real duration, the ratio estimate / actual, and the same per part (per
// model: loading, quantizing, calibration and verification; timing and memory probes; op profiles;
// evaluation), the parts timed from the lab's progress reports.
//  - zoo: the default study of scripts/lab.sh (four zoo CNNs × fp32/dynamic/static × batch 1–16).
//  - real: the real-model study of issue 10's closing note: ../shared/models/imagenet (SqueezeNet 1.1,
//    MobileNetV2, the zoo's int8 MobileNetV2) on the 200 shared ImageNet images, --split with 50
//    calibration / 150 evaluation images, batch 1 and 8, k = 20 (skipped when ../shared is absent).
// The machine's load (1-minute average) is printed before and after: the estimate measures the
// achieved rate under the load of the moment, so a load that changes during the study moves the ratio.
// With --share it measures kLabModelShareOfProbe instead: each model's fp32 rate at batch 1 between two
// runs of the CNN probe (same load), and prints their ratio.
// Usage: lab_estimate [--study zoo|real|both | --share] [--threads N] [--keep DIR]
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "qbench/core/log.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/lab/roofline.h"
#include "qbench/report/study_report.h"

namespace {

using namespace qbench;
using Clock = std::chrono::steady_clock;

double LoadAverage() {
  std::ifstream f("/proc/loadavg");
  double l = -1;
  f >> l;
  return l;
}

std::string Ratio(double est, double act) { return act > 0 ? fmt::format("{:.2f}", est / act) : "-"; }

// Seconds spent in each phase of each model, from the lab's progress reports ("m: loading and
// quantizing", "m batch …: timing …", "m: profiling ops", "m: evaluating accuracy").
struct PhaseClock {
  std::map<std::string, double> seconds;  // "model|setup", "model|timing", "model|profile", "model|evaluation"
  std::string current;
  Clock::time_point since = Clock::now();
  void Switch(const std::string& phase) {
    const auto now = Clock::now();
    if (!current.empty()) seconds[current] += std::chrono::duration<double>(now - since).count();
    current = phase;
    since = now;
  }
  void Observe(const std::string& what) {
    const auto colon = what.find(':');
    const auto batch = what.find(" batch ");
    if (batch != std::string::npos && (colon == std::string::npos || batch < colon))
      Switch(what.substr(0, batch) + "|timing");
    else if (colon != std::string::npos && what.find("loading") != std::string::npos)
      Switch(what.substr(0, colon) + "|setup");
    else if (colon != std::string::npos && what.find("profiling") != std::string::npos)
      Switch(what.substr(0, colon) + "|profile");
    else if (colon != std::string::npos && what.find("evaluating") != std::string::npos)
      Switch(what.substr(0, colon) + "|evaluation");
    else if (what.rfind("measuring roofline", 0) == 0)
      Switch("|roofline");
    else if (what == "done" || what == "interrupted")
      Switch("");
  }
};

void RunStudy(const std::string& name, LabConfig config, const std::string& keep) {
  const std::string dir = keep.empty() ? (std::filesystem::temp_directory_path() / ("lab_estimate_" + name)).string() : keep + "/" + name;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  config.output_dir = dir;
  const double load0 = LoadAverage();
  const auto p0 = Clock::now();
  LabPlan plan;
  {
    OrtLabBackend backend(config, nullptr);
    plan = PlanLab(config, backend);
  }
  const double plan_s = std::chrono::duration<double>(Clock::now() - p0).count();
  std::printf("== %s study: %lld point(s), %zu model(s); load average %.2f; dry-run took %.1f s\n", name.c_str(),
              static_cast<long long>(plan.points), plan.models.size(), load0, plan_s);
  std::printf("   basis: %s\n", plan.basis.c_str());
  std::fflush(stdout);

  PhaseClock phases;
  WarningList warnings;
  OrtLabBackend backend(config, &warnings);
  LabRunOptions opts;
  opts.on_progress = [&](const LabProgress& p) { phases.Observe(p.current); };
  const auto t0 = Clock::now();
  const LabStudy study = RunLab(config, backend, opts);
  phases.Switch("|report");
  WriteStudyOutputs(study, dir, true);
  phases.Switch("");
  const double actual = std::chrono::duration<double>(Clock::now() - t0).count();

  std::printf("   %-22s %10s %10s %7s\n", "part", "estimate", "actual", "ratio");
  for (const auto& m : plan.models) {
    const LabSetupEstimate& e = plan.model_setup[m.name];
    double timing = 0;
    for (const auto& g : plan.groups)
      if (g.model == m.name) timing += plan.group_seconds[g.GroupKey()];
    const double setup = e.load_s + e.prepare_s + e.calibration_s + e.verification_s;
    const std::pair<const char*, std::pair<double, double>> rows[] = {
        {"setup (load, quantize)", {setup, phases.seconds[m.name + "|setup"]}},
        {"timing + memory", {timing, phases.seconds[m.name + "|timing"]}},
        {"op profiles", {e.profile_s, phases.seconds[m.name + "|profile"]}},
        {"evaluation", {e.evaluation_s, phases.seconds[m.name + "|evaluation"]}}};
    std::printf("   %s\n", m.name.c_str());
    for (const auto& [part, v] : rows)
      std::printf("     %-20s %9.1fs %9.1fs %7s\n", part, v.first, v.second, Ratio(v.first, v.second).c_str());
    std::printf("     %-20s %9.1fs (calibration %.1f s, verification %.1f s)\n", "  of setup:", setup, e.calibration_s,
                e.verification_s);
  }
  std::printf("   %-22s %9.1fs %9.1fs\n", "roofline peaks", plan.roofline_seconds, phases.seconds["|roofline"]);
  std::printf("   %-22s %10s %9.1fs\n", "report and plots", "-", phases.seconds["|report"]);
  std::printf("   TOTAL %s: estimate %.1f s, actual %.1f s, ratio %.2f (target 0.5-1.5); load average %.2f -> %.2f\n",
              name.c_str(), plan.total_seconds, actual, plan.total_seconds / actual, load0, LoadAverage());
  std::fflush(stdout);
  if (keep.empty()) std::filesystem::remove_all(dir, ec);
}

// kLabModelShareOfProbe measured: each model's fp32 rate at batch 1 (the lab's own timing, MeasureGroup)
// between two runs of the CNN probe, so that both see the same load; share = model rate / mean probe rate.
void MeasureShares(const LabConfig& base, const std::vector<std::string>& specs) {
  LabConfig config = base;
  config.models = specs;
  config.variants = {"fp32"};
  config.roofline = false;
  config.output_dir = (std::filesystem::temp_directory_path() / "lab_estimate_share").string();
  std::filesystem::create_directories(config.output_dir + "/models");
  OrtLabBackend backend(config, nullptr);
  const std::int64_t threads = config.threads.values.front();
  for (const auto& m : LabModels(specs)) {
    ModelJob job;
    job.model = m;
    job.variants = {"fp32"};
    job.models_dir = config.output_dir + "/models";
    job.input_size = 224;
    backend.PrepareModel(job);
    const double p1 = QuickSpeedEstimate(threads).fp32_macs_per_s;
    const SweepGroup g{m.name, 1, 224, threads, {"fp32"}};
    const auto r = backend.MeasureGroup(g, {"fp32"});
    const double p2 = QuickSpeedEstimate(threads).fp32_macs_per_s;
    backend.ReleaseModel(m.name);
    const double macs = static_cast<double>(backend.ModelMacs(m.spec, 224));
    const double rate = r.empty() || !r[0].ok ? 0 : macs / (r[0].latency.median_ms / 1000);
    std::printf("   share %-22s fp32 %.1f GMAC/s, probe %.1f / %.1f GMAC/s: %.2f; %.2f M activations; load %.2f\n", m.name.c_str(),
                rate / 1e9, p1 / 1e9, p2 / 1e9, rate / ((p1 + p2) / 2),
                static_cast<double>(backend.ModelActivationElements(m.spec, 224)) / 1e6, LoadAverage());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = "both", keep;
  std::int64_t threads = 2;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--study") && i + 1 < argc) which = argv[++i];
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--keep") && i + 1 < argc) keep = argv[++i];
    else if (!std::strcmp(argv[i], "--share")) which = "share";
    else {
      std::fprintf(stderr, "usage: lab_estimate [--study zoo|real|both | --share] [--threads N] [--keep DIR]\n");
      return 2;
    }
  }
  qbench::SetLogLevel(qbench::LogLevel::kWarning);
  setenv("QBENCH_EXE", QBENCH_CLI_PATH, /*overwrite=*/0);  // memory probes run the qbench CLI's child command
  const std::string shared = QBENCH_SHARED_DIR;
  if (which == "share") {
    LabConfig c = DefaultLabConfig();
    c.threads = ParseSweepAxis("threads", std::to_string(threads));
    std::vector<std::string> specs = c.models;
    if (std::filesystem::exists(shared + "/models/imagenet/squeezenet1.1.onnx"))
      for (const char* f : {"squeezenet1.1.onnx", "mobilenetv2-7-hybrid.onnx"}) specs.push_back(shared + "/models/imagenet/" + f);
    MeasureShares(c, specs);
    return 0;
  }
  if (which == "zoo" || which == "both") {
    LabConfig c = DefaultLabConfig();
    c.threads = ParseSweepAxis("threads", std::to_string(threads));
    RunStudy("zoo", c, keep);
  }
  if (which == "real" || which == "both") {
    const std::string models = shared + "/models/imagenet/", data = shared + "/data/imagenet-sample";
    if (!std::filesystem::exists(models + "squeezenet1.1.onnx") || !std::filesystem::exists(data)) {
      std::printf("== real study skipped: %s or %s is absent\n", models.c_str(), data.c_str());
      return 0;
    }
    LabConfig c = DefaultLabConfig();
    c.models = {models + "squeezenet1.1.onnx", models + "mobilenetv2-7-hybrid.onnx", models + "mobilenetv2-12-int8.onnx"};
    c.eval_data = data;
    c.preprocess = "imagenet";
    c.split = true;
    c.calibration_size = 50;
    c.batches = ParseSweepAxis("batch", "1,8");
    c.repetitions = 20;
    c.threads = ParseSweepAxis("threads", std::to_string(threads));
    RunStudy("real", c, keep);
  }
  return 0;
}
