// quantize_rss — peak memory of static quantization with calibration (issue 4: ResNet18 with 200
// calibration images must stay under 1 GB).
//
// In a fresh process: loads MODEL (default zoo:resnet18, 224×224 input, 11.7 M parameters), opens the
// calibration data (default ../shared/data/imagenet-sample/labels.csv: the 200 ImageNet images,
// ImageNet preprocessing), runs QuantizeModel (scheme static, --method, default percentile) and prints
// the process's VmRSS after loading and its peak VmHWM (/proc/self/status) at the end — the whole
// process, loading included. Exit status 0 when the peak is under --limit-mib (default 1024), 1 above.
//
// Usage: quantize_rss [--model SPEC] [--data PATH] [--size N] [--batch N] [--method NAME] [--limit-mib M]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>

#include "qbench/benchmark/memory.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/zoo/zoo.h"

namespace {

double Mib(std::int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

int Run(int argc, char** argv) {
  using namespace qbench;  // NOLINT(build/namespaces)
  std::string model_spec = "zoo:resnet18";
  std::string data = std::string(QBENCH_SHARED_DIR) + "/data/imagenet-sample/labels.csv";
  std::size_t size = 200, batch = 1;
  std::string method = "percentile";
  double limit_mib = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(ErrorCode::kInvalidArgument, a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") model_spec = value();
    else if (a == "--data") data = value();
    else if (a == "--size") size = std::strtoul(value().c_str(), nullptr, 10);
    else if (a == "--batch") batch = std::strtoul(value().c_str(), nullptr, 10);
    else if (a == "--method") method = value();
    else if (a == "--limit-mib") limit_mib = std::atof(value().c_str());
    else throw Error(ErrorCode::kInvalidArgument, "unknown flag '" + a + "'; see the comment at the top of quantize_rss.cc");
  }
  struct stat st {};
  if (::stat(data.c_str(), &st) != 0) {
    std::printf("SKIP: calibration data %s is absent (a clone without ../shared)\n", data.c_str());
    return 0;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Model fp32 = LoadModelOrZoo(model_spec);
  const std::int64_t rss_loaded = ReadRssBytes();
  WarningList warnings;
  CalibrationDataSpec spec;
  spec.path = data;
  spec.size = size;
  spec.batch_size = batch;
  auto reader = MakeCalibrationDataReader(fp32, spec, &warnings);
  QuantizeOptions options;
  options.scheme = "static";
  options.calibration.method = ParseCalibrationMethod(method);
  options.intra_op_threads = 2;
  const QuantizeResult q = QuantizeModel(fp32, options, reader.get(), &warnings);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::int64_t peak = ReadPeakRssBytes();
  std::printf("model %s, calibration %s (%zu samples, batch %zu, %s), %d tensors calibrated, %.1f s\n",
              model_spec.c_str(), data.c_str(), size, batch, method.c_str(), q.report.calibrated_tensors, seconds);
  std::printf("RSS after loading the model: %.1f MiB\n", Mib(rss_loaded));
  std::printf("peak RSS (VmHWM, whole process): %.1f MiB (limit %.0f MiB) %s\n", Mib(peak), limit_mib,
              Mib(peak) < limit_mib ? "PASS" : "FAIL");
  std::printf("model size %llu -> %llu bytes\n", static_cast<unsigned long long>(q.report.size_before_bytes),
              static_cast<unsigned long long>(q.report.size_after_bytes));
  return Mib(peak) < limit_mib ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const qbench::Error& e) {
    std::fprintf(stderr, "quantize_rss: %s\n", e.what());
    return e.code() == qbench::ErrorCode::kInvalidArgument ? 2 : 1;
  }
}
