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
// optimization "all"; the default interleaving policy of CompareModels, so that no idle session's
// threads steal a core, docs/measurement.md) timed round-robin (3 warm-up rounds, --repetitions rounds);
// speedup = median(fp32)/median(int8) with a paired-bootstrap 95 % CI. Interleaving makes small
// models evict each other from the L2, so these are the conservative ratios (docs/measurement.md).
// Targets (static vs fp32, both batches): ResNet18 >= 1.8x, MobileNetV2 >= 1.3x, SqueezeNet 1.1
// >= 1.3x; MobileNetV3-small is reported without a target (ORT has no int8 HardSigmoid).
//
// PyTorch: where a python (QBENCH_PYTHON, /usr/bin/python3, python3 — the first that imports torch
// and torchvision) has torch, bench/torch_int8.py --serve runs as a child process and builds the same
// torchvision architecture with PyTorch's best int8 path here (FX static post-training quantization,
// oneDNN engine) at the same batch and threads (OpenMP with OMP_WAIT_POLICY=PASSIVE unless set, the
// counterpart of ORT's spinning off). Single runs alternate (qbench static, torch int8, qbench, ...)
// so both see the same machine state; the table shows median(torch)/median(qbench) with a paired
// bootstrap CI (> 1: qbench is faster). Absent torch is reported, not a failure.
//
// Usage: quantize_speed [--models a,b,...] [--batches 1,8] [--threads 2] [--repetitions 30] [--no-torch]
// Exit status: 0 when every target is met (or skipped), 1 otherwise, 2 for a usage error.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/compare.h"
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

// bench/torch_int8.py --serve in a child process: "prepare MODEL BATCH" → "READY fp32_ms",
// "run N" → "TIMES ms...", "quit". Its stderr goes to ours.
class TorchPeer {
 public:
  // OpenMP workers that spin while idle are the counterpart of ORT's spinning, which is off here:
  // they sleep too (OMP_WAIT_POLICY=PASSIVE unless set; spinning made torch 3-50x slower on this
  // shared 2-core machine).
  static std::unique_ptr<TorchPeer> Start(const std::string& python, int threads, int repetitions) {
    const std::string wait_policy = std::getenv("OMP_WAIT_POLICY") ? "" : "OMP_WAIT_POLICY=PASSIVE ";
    const std::string cmd = wait_policy + "exec " + python + " " + QBENCH_TORCH_SCRIPT + " --serve --threads " +
                            std::to_string(threads) + " --repetitions " + std::to_string(repetitions);
    std::fprintf(stderr, "[quantize_speed] %s\n", cmd.c_str());
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0) return nullptr;
    if (::pipe(from_child) != 0) {
      ::close(to_child[0]);
      ::close(to_child[1]);
      return nullptr;
    }
    const pid_t pid = ::fork();
    if (pid < 0) return nullptr;
    if (pid == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[0]);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::close(from_child[1]);
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    auto peer = std::unique_ptr<TorchPeer>(new TorchPeer);
    peer->pid_ = pid;
    peer->to_ = ::fdopen(to_child[1], "w");
    peer->from_ = ::fdopen(from_child[0], "r");
    return peer;
  }
  ~TorchPeer() {
    if (to_) {
      std::fputs("quit\n", to_);
      std::fclose(to_);
    }
    if (from_) std::fclose(from_);
    int status = 0;
    if (pid_ > 0) ::waitpid(pid_, &status, 0);
  }
  // Sends one command and reads the answer line; "" when the child is gone.
  std::string Ask(const std::string& command) {
    if (std::fprintf(to_, "%s\n", command.c_str()) < 0 || std::fflush(to_) != 0) return "";
    std::string line;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, from_)) {
      line += buf;
      if (!line.empty() && line.back() == '\n') break;
    }
    return line;
  }

 private:
  TorchPeer() = default;
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

// qbench static int8 vs PyTorch int8 on the same (model, batch): after 3 warm-up runs each, `rounds`
// rounds of one ORT run then one torch run, so both see the same machine state; the ratio is
// median(torch)/median(qbench) with a paired-bootstrap CI (> 1: qbench faster).
struct TorchComparison {
  bool ok = false;
  std::string error;
  double torch_fp32_ms = NAN, torch_int8_ms = NAN, qbench_int8_ms = NAN;
  SpeedupEstimate qbench_vs_torch;
};

TorchComparison CompareWithTorch(TorchPeer& peer, BenchTarget& qbench_int8, const std::string& model, int batch,
                                 int rounds) {
  TorchComparison c;
  const std::string ready = peer.Ask("prepare " + model + " " + std::to_string(batch));
  if (std::sscanf(ready.c_str(), "READY %lf", &c.torch_fp32_ms) != 1) {
    c.error = ready.empty() ? "the PyTorch process ended" : ready;
    return c;
  }
  std::vector<double> ort_ms, torch_ms;
  for (int r = -3; r < rounds; ++r) {  // r < 0: warm-up
    const auto t0 = std::chrono::steady_clock::now();
    qbench_int8.RunOnce();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const std::string answer = peer.Ask("run 1");
    double tms = NAN;
    if (std::sscanf(answer.c_str(), "TIMES %lf", &tms) != 1) {
      c.error = answer.empty() ? "the PyTorch process ended" : answer;
      return c;
    }
    if (r < 0) continue;
    ort_ms.push_back(ms);
    torch_ms.push_back(tms);
  }
  c.qbench_vs_torch = EstimateSpeedup(torch_ms, ort_ms, /*paired=*/true, 1234);
  std::sort(ort_ms.begin(), ort_ms.end());
  std::sort(torch_ms.begin(), torch_ms.end());
  c.qbench_int8_ms = Quantile(ort_ms, 0.5);
  c.torch_int8_ms = Quantile(torch_ms, 0.5);
  c.ok = true;
  return c;
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
  std::string policy = "-";  // the interleaving policy the comparisons ran under
  std::string torch_status = "PyTorch comparison skipped (--no-torch)";
  std::map<std::pair<std::string, int>, TorchComparison> vs_torch;
  const std::string python = torch ? FindTorchPython() : "";
  std::unique_ptr<TorchPeer> peer;
  if (torch) {
    if (!python.empty()) peer = TorchPeer::Start(python, threads, repetitions);
    torch_status = python.empty() ? "PyTorch not importable (tried QBENCH_PYTHON, /usr/bin/python3, python3): "
                                    "torch comparison skipped"
                                  : (peer ? "PyTorch via " + python : "could not start " + python);
  }

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
      const auto shapes = ResolveInputShapes(fp32, ImageShapes(fp32, batch));
      CompareOptions compare;  // identical seeded inputs (seed 0), the default interleaving policy
      compare.session.intra_op_threads = threads;
      compare.session.inter_op_threads = 1;
      compare.session.graph_optimization = "all";
      compare.config.warmup_runs = 3;
      compare.config.repetitions = repetitions;
      compare.config.max_repetitions = repetitions;
      compare.config.cv_threshold = 0;
      compare.config.batch_size = batch;
      const Comparison res = CompareModels(
          {{"fp32", &fp32, shapes, ""}, {"static", &stat.model, shapes, ""}, {"dynamic", &dyn.model, shapes, ""}}, compare);
      policy = InterleavePolicyName(res.policy);
      Row row{name, batch, res.models[0].measurement.statistics.median_ms, res.models[1].measurement.statistics.median_ms,
              res.models[2].measurement.statistics.median_ms, res.models[1].speedup, res.models[2].speedup};
      std::fprintf(stderr, "[quantize_speed] %s b%d: fp32 %.2f ms, static %.2f ms, dynamic %.2f ms\n", name.c_str(),
                   batch, row.fp32_ms, row.static_ms, row.dynamic_ms);
      rows.push_back(row);
      if (peer) {
        // Only the int8 session is alive next to PyTorch: its own pool, spinning off.
        SessionConfig config = compare.session;
        config.allow_spinning = false;
        auto r_static = OrtRunner::Create(stat.model, config);
        const auto inputs = GenerateInputs(fp32, shapes, {0});
        OrtBenchTarget t_static(*r_static, FeedsInOrder(inputs, r_static->inputs()));
        TorchComparison c = CompareWithTorch(*peer, t_static, name, batch, repetitions);
        if (!c.ok) torch_status += "; " + name + " batch " + std::to_string(batch) + ": " + c.error;
        vs_torch[{name, batch}] = c;
      }
    }
  }

  std::printf("quantize_speed: ONNX Runtime %s, %d intra-op threads, interleaving policy %s, %d interleaved rounds "
              "(fp32/static/dynamic round-robin: conservative ratios)\n\n",
              OrtVersion().c_str(), threads, policy.c_str(), repetitions);
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
  if (!vs_torch.empty()) {
    std::printf("%-19s %5s %13s %13s %15s %31s\n", "model", "batch", "torch fp32 ms", "torch int8 ms",
                "qbench int8 ms", "torch int8 / qbench int8 [CI]");
    for (const auto& r : rows) {
      auto it = vs_torch.find({r.model, r.batch});
      if (it == vs_torch.end() || !it->second.ok) continue;
      const TorchComparison& c = it->second;
      const SpeedupEstimate& e = c.qbench_vs_torch;
      char ci[64];
      std::snprintf(ci, sizeof ci, "%.2fx [%.2f, %.2f]", e.speedup, e.ci_low, e.ci_high);
      std::printf("%-19s %5d %13.3f %13.3f %15.3f %31s %s\n", r.model.c_str(), r.batch, c.torch_fp32_ms,
                  c.torch_int8_ms, c.qbench_int8_ms, ci, e.speedup >= 1 ? "(qbench faster)" : "(torch faster)");
    }
    std::printf("(%d rounds of one qbench static run then one PyTorch FX/oneDNN int8 run, same threads and batch; "
                "PyTorch fp32 is context, fewer runs)\n", repetitions);
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
