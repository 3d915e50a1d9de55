// quantize_speed — what does qbench's int8 buy in ONNX Runtime, and how does it compare with PyTorch's?
//
// For each zoo architecture (random weights, BatchNorm folded, opset 13; LoadModelOrZoo("zoo:NAME")):
//   fp32      the zoo model;
//   static    QuantizeModel scheme "static" (QDQ, Conv weights s8 per-channel, Gemm per-tensor,
//             activations u8), calibrated on 16 seeded random inputs (the weights are random too, so
//             no data set is more representative);
//   dynamic   QuantizeModel scheme "dynamic".
// Sizes: serialized bytes and the ratio to fp32 (target: static per-channel <= 0.27).
// Latency: at batch 1 and 8, the three sessions (intra-op threads = --threads, default 2; graph
// optimization "all"; spinning OFF so an idle session's threads do not steal a core,
// MEASUREMENT.md) timed round-robin with RunInterleaved (3 warm-up rounds, --repetitions rounds);
// speedup = median(fp32)/median(int8) with a paired-bootstrap 95 % CI. Interleaving makes small
// models evict each other from the L2, so these are the conservative ratios (MEASUREMENT.md).
// Targets (static vs fp32, both batches): ResNet18 >= 1.8x, MobileNetV2 >= 1.3x, SqueezeNet 1.1
// >= 1.3x; MobileNetV3-small is reported without a target (ORT has no int8 HardSigmoid).
//
// PyTorch: where `python3` (QBENCH_PYTHON, /usr/bin/python3, python3 — the first that imports torch)
// has torch + torchvision, bench/torch_int8.py times the same torchvision architectures in fp32 and
// with PyTorch's best int8 path here (FX static post-training quantization, oneDNN engine) at the same
// batches and threads, in a child process started right after each model's ORT timings (OpenMP with OMP_WAIT_POLICY=PASSIVE
// unless set, the counterpart of ORT's spinning off); the table shows torch int8 ms / qbench static
// ms (> 1: qbench is faster). Absent torch is reported, not a failure.
//
// Usage: quantize_speed [--models a,b,...] [--batches 1,8] [--threads 2] [--repetitions 30] [--no-torch]
// Exit status: 0 when every target is met (or skipped), 1 otherwise, 2 for a usage error.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/memory.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"
#include "qbench/zoo/zoo.h"

namespace {

using namespace qbench;  // NOLINT(build/namespaces)

struct SpeedTarget {
  const char* model;
  double min_speedup;  // 0 = reported only
};
constexpr SpeedTarget kTargets[] = {
    {"resnet18", 1.8}, {"mobilenet_v2", 1.3}, {"squeezenet1_1", 1.3}, {"mobilenet_v3_small", 0.0}};
constexpr double kMaxStaticSizeRatio = 0.27;

double TargetFor(const std::string& model) {
  for (const auto& t : kTargets)
    if (model == t.model) return t.min_speedup;
  return 0.0;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

struct TorchTiming {
  double fp32_ms = NAN;
  double int8_ms = NAN;
};

// The first of QBENCH_PYTHON, /usr/bin/python3, python3 that imports torch and torchvision; "" if none.
std::string FindTorchPython() {
  std::vector<std::string> pythons;
  if (const char* env = std::getenv("QBENCH_PYTHON")) pythons.push_back(env);
  pythons.push_back("/usr/bin/python3");
  pythons.push_back("python3");
  for (const auto& p : pythons) {
    const std::string probe = p + " -c 'import torch, torchvision' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return p;
  }
  return "";
}

// Runs bench/torch_int8.py with `python`; parses its "RESULT model batch fp32_ms int8_ms" lines
// into `out`. Returns "" or a note about a failure.
std::string RunTorch(const std::string& python, const std::vector<std::string>& models, const std::vector<int>& batches,
                     int threads, int repetitions, std::map<std::pair<std::string, int>, TorchTiming>* out) {
  std::string model_list, batch_list;
  for (const auto& m : models) model_list += (model_list.empty() ? "" : ",") + m;
  for (int b : batches) batch_list += (batch_list.empty() ? "" : ",") + std::to_string(b);
  // OpenMP workers that spin while idle are the counterpart of ORT's spinning, which is off here:
  // make them sleep too (on this shared 2-core machine spinning made torch 3-50x slower).
  const std::string wait_policy = std::getenv("OMP_WAIT_POLICY") ? "" : "OMP_WAIT_POLICY=PASSIVE ";
  const std::string cmd = wait_policy + python + " " + QBENCH_TORCH_SCRIPT + " --models " + model_list +
                          " --batches " + batch_list + " --threads " + std::to_string(threads) + " --repetitions " +
                          std::to_string(repetitions);
  std::fprintf(stderr, "[quantize_speed] %s\n", cmd.c_str());
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return "could not start " + cmd;
  char line[1024];
  while (std::fgets(line, sizeof line, pipe)) {
    char model[128];
    int batch = 0;
    double fp32 = NAN, int8 = NAN;
    if (std::sscanf(line, "RESULT %127s %d %lf %lf", model, &batch, &fp32, &int8) == 4)
      (*out)[{model, batch}] = {fp32, int8};
    else
      std::fputs(line, stderr);
  }
  const int rc = ::pclose(pipe);
  return rc == 0 ? "" : cmd + " exited with status " + std::to_string(rc);
}

// The zoo graphs keep H and W symbolic: every dynamic dim after the batch gets 224.
ShapeOverrides ImageShapes(const Model& model, std::int64_t batch) {
  ShapeOverrides shapes;
  shapes.batch = batch;
  for (const auto& in : model.Inputs())
    for (std::size_t d = 1; d < in.shape.size(); ++d)
      if (in.shape[d] < 0 && d < in.dim_names.size() && !in.dim_names[d].empty()) shapes.dim_values[in.dim_names[d]] = 224;
  return shapes;
}

std::string Ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", r);
  return buf;
}

int Run(int argc, char** argv) {
  std::vector<std::string> models = {"resnet18", "mobilenet_v2", "squeezenet1_1", "mobilenet_v3_small"};
  std::vector<int> batches = {1, 8};
  int threads = 2, repetitions = 30;
  bool torch = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(ErrorCode::kInvalidArgument, a + " needs a value");
      return argv[++i];
    };
    if (a == "--models") models = SplitList(value());
    else if (a == "--batches") {
      batches.clear();
      for (const auto& b : SplitList(value())) batches.push_back(std::atoi(b.c_str()));
    } else if (a == "--threads") threads = std::atoi(value().c_str());
    else if (a == "--repetitions") repetitions = std::atoi(value().c_str());
    else if (a == "--no-torch") torch = false;
    else throw Error(ErrorCode::kInvalidArgument, "unknown flag '" + a + "'; see the comment at the top of quantize_speed.cc");
  }
  if (threads < 1 || repetitions < 2 || batches.empty())
    throw Error(ErrorCode::kInvalidArgument, "--threads >= 1, --repetitions >= 2 and --batches non-empty");
  SetLogLevel(LogLevel::kWarning);

  struct Row {
    std::string model;
    int batch;
    double fp32_ms, static_ms, dynamic_ms;
    SpeedupEstimate static_speedup, dynamic_speedup;
  };
  struct SizeRow {
    std::string model;
    std::uint64_t fp32, stat, dyn;
  };
  std::vector<Row> rows;
  std::vector<SizeRow> sizes;
  bool all_met = true;
  std::string torch_status = "PyTorch comparison skipped (--no-torch)";
  std::map<std::pair<std::string, int>, TorchTiming> torch_ms;
  const std::string python = torch ? FindTorchPython() : "";
  if (torch)
    torch_status = python.empty() ? "PyTorch not importable (tried QBENCH_PYTHON, /usr/bin/python3, python3): "
                                    "torch comparison skipped"
                                  : "PyTorch via " + python;

  for (const auto& name : models) {
    const Model fp32 = LoadModelOrZoo("zoo:" + name);
    WarningList warnings;
    CalibrationDataSpec data;  // random input, 16 samples in batches of 8
    data.size = 16;
    data.batch_size = 8;
    data.shape_overrides = ImageShapes(fp32, 0);
    auto reader = MakeCalibrationDataReader(fp32, data, &warnings);
    QuantizeOptions static_options;
    static_options.scheme = "static";
    static_options.intra_op_threads = threads;
    const QuantizeResult stat = QuantizeModel(fp32, static_options, reader.get(), &warnings);
    QuantizeOptions dynamic_options;
    dynamic_options.scheme = "dynamic";
    const QuantizeResult dyn = QuantizeModel(fp32, dynamic_options, nullptr, &warnings);
    sizes.push_back({name, stat.report.size_before_bytes, stat.report.size_after_bytes, dyn.report.size_after_bytes});

    for (int batch : batches) {
      SessionConfig config;
      config.intra_op_threads = threads;
      config.inter_op_threads = 1;
      config.graph_optimization = "all";
      config.allow_spinning = false;
      auto r_fp32 = OrtRunner::Create(fp32, config);
      auto r_static = OrtRunner::Create(stat.model, config);
      auto r_dynamic = OrtRunner::Create(dyn.model, config);
      const auto inputs = GenerateInputs(fp32, ResolveInputShapes(fp32, ImageShapes(fp32, batch)), {0});
      OrtBenchTarget t_fp32(*r_fp32, FeedsInOrder(inputs, r_fp32->inputs()));
      OrtBenchTarget t_static(*r_static, FeedsInOrder(inputs, r_static->inputs()));
      OrtBenchTarget t_dynamic(*r_dynamic, FeedsInOrder(inputs, r_dynamic->inputs()));
      BenchmarkConfig bench;
      bench.warmup_runs = 3;
      bench.repetitions = repetitions;
      bench.max_repetitions = repetitions;
      bench.cv_threshold = 0;
      bench.batch_size = batch;
      const InterleavedResult res = RunInterleaved({&t_fp32, &t_static, &t_dynamic}, bench);
      Row row{name, batch, res.measurements[0].statistics.median_ms, res.measurements[1].statistics.median_ms,
              res.measurements[2].statistics.median_ms, res.speedups[0], res.speedups[1]};
      std::fprintf(stderr, "[quantize_speed] %s b%d: fp32 %.2f ms, static %.2f ms, dynamic %.2f ms\n", name.c_str(),
                   batch, row.fp32_ms, row.static_ms, row.dynamic_ms);
      rows.push_back(row);
    }
    // PyTorch right after this model's ORT timings, so that machine drift between the two is small.
    if (!python.empty()) {
      const std::string note = RunTorch(python, {name}, batches, threads, repetitions, &torch_ms);
      if (!note.empty()) torch_status += "; " + note;
    }
  }

  std::printf("quantize_speed: ONNX Runtime %s, %d intra-op threads, spinning off, %d interleaved rounds "
              "(fp32/static/dynamic round-robin: conservative ratios)\n\n",
              OrtVersion().c_str(), threads, repetitions);
  std::printf("%-19s %5s %9s %9s %20s %7s %6s %10s %20s\n", "model", "batch", "fp32 ms", "static ms",
              "static speedup [CI]", "target", "", "dynamic ms", "dynamic speedup [CI]");
  for (const auto& r : rows) {
    const double target = TargetFor(r.model);
    const bool met = target == 0 || r.static_speedup.speedup >= target;
    all_met = all_met && met;
    char s_ci[64], d_ci[64];
    std::snprintf(s_ci, sizeof s_ci, "%.2fx [%.2f, %.2f]", r.static_speedup.speedup, r.static_speedup.ci_low,
                  r.static_speedup.ci_high);
    std::snprintf(d_ci, sizeof d_ci, "%.2fx [%.2f, %.2f]", r.dynamic_speedup.speedup, r.dynamic_speedup.ci_low,
                  r.dynamic_speedup.ci_high);
    std::printf("%-19s %5d %9.3f %9.3f %20s %7s %6s %10.3f %20s\n", r.model.c_str(), r.batch, r.fp32_ms, r.static_ms,
                s_ci, target > 0 ? (">=" + Ratio(target)).c_str() : "-", target == 0 ? "info" : (met ? "PASS" : "FAIL"),
                r.dynamic_ms, d_ci);
  }

  std::printf("\n%-19s %12s %12s %8s %6s %12s %8s\n", "model", "fp32 bytes", "static bytes", "ratio", "", "dyn bytes",
              "ratio");
  for (const auto& s : sizes) {
    const double rs = static_cast<double>(s.stat) / static_cast<double>(s.fp32);
    const double rd = static_cast<double>(s.dyn) / static_cast<double>(s.fp32);
    const bool met = rs <= kMaxStaticSizeRatio;
    all_met = all_met && met;
    std::printf("%-19s %12llu %12llu %8.3f %6s %12llu %8.3f\n", s.model.c_str(), static_cast<unsigned long long>(s.fp32),
                static_cast<unsigned long long>(s.stat), rs, met ? "PASS" : "FAIL", static_cast<unsigned long long>(s.dyn),
                rd);
  }
  std::printf("(static size target: ratio <= %.2f)\n", kMaxStaticSizeRatio);

  std::printf("\n%s\n", torch_status.c_str());
  if (!torch_ms.empty()) {
    std::printf("%-19s %5s %13s %13s %15s %26s\n", "model", "batch", "torch fp32 ms", "torch int8 ms", "qbench int8 ms",
                "torch int8 / qbench int8");
    for (const auto& r : rows) {
      auto it = torch_ms.find({r.model, r.batch});
      if (it == torch_ms.end()) continue;
      const double ratio = it->second.int8_ms / r.static_ms;
      std::printf("%-19s %5d %13.3f %13.3f %15.3f %20.2fx %s\n", r.model.c_str(), r.batch, it->second.fp32_ms,
                  it->second.int8_ms, r.static_ms, ratio, ratio >= 1 ? "(qbench faster)" : "(torch faster)");
    }
    std::printf("(PyTorch timed in a child process right after each model's ORT timings; same threads and batches)\n");
  }
  std::printf("\npeak RSS of this process: %.1f MiB\n", static_cast<double>(ReadPeakRssBytes()) / (1 << 20));
  std::printf("%s\n", all_met ? "ALL TARGETS MET" : "SOME TARGETS NOT MET");
  return all_met ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const qbench::Error& e) {
    std::fprintf(stderr, "quantize_speed: %s\n", e.what());
    return e.code() == qbench::ErrorCode::kInvalidArgument ? 2 : 1;
  }
}
