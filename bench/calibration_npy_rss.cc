// calibration_npy_rss — peak memory of calibrating on a large .npy stack vs a small one (issue 9 §4:
// a 1,000-sample .npy is read in memory-mapped slices, not whole; the peak RSS of calibrating on it
// stays within 1.25× of calibrating on 50 samples).
//
// Writes x.npy stacks of 50 and 1,000 samples (float32 [N,3,64,64]: 48 KiB per sample, 47 MiB for
// 1,000) into a temporary folder, then, each in a fresh child process (peak RSS only grows within a
// process), builds a Conv → Relu model x [N,3,64,64] → y and runs CalibrateModel (MinMax on y, every
// sample, --batch B) through MakeCalibrationDataReader. Prints each child's peak RSS (ru_maxrss) and
// the ratio; exit status 0 when the ratio is ≤ 1.25, 1 above.
//
// Usage: calibration_npy_rss [--batch B] [--large N]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/graph_builder.h"

namespace {
using namespace qbench;  // NOLINT(build/namespaces)

Model ConvModel() {
  GraphBuilder g("rss", 13);
  g.AddInput("x", DType::kFloat32, {"N", 3, 64, 64});
  std::vector<float> w(4 * 3 * 3 * 3);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i % 5) - 2) / 8.0f;
  g.AddInitializer("w", {4, 3, 3, 3}, w);
  g.AddNode("Conv", "conv", {"x", "w"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddNode("Relu", "relu", {"c"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4, 64, 64});
  return g.Build();
}

void WriteStack(const std::string& path, std::int64_t n) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {n, 3, 64, 64});
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = static_cast<float>((i * 2654435761u) % 1000) / 500.0f - 1.0f;
  WriteNpy(path, t);
}

// Peak RSS in KiB of a child that calibrates on `path`.
long PeakKiB(const std::string& path, std::size_t batch) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      const Model m = ConvModel();
      CalibrationDataSpec spec;
      spec.path = path;
      spec.size = 0;
      spec.batch_size = batch;
      auto reader = MakeCalibrationDataReader(m, spec, nullptr);
      CalibrationOptions options;
      options.method = CalibrationMethod::kMinMax;
      const auto table = CalibrateModel(m, {"y"}, *reader, options, 1);
      ::_exit(table.count("y") ? 0 : 2);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "calibration failed: %s\n", e.what());
      ::_exit(3);
    }
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error(ErrorCode::kRuntime, "child failed on " + path);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t batch = 1;
  std::int64_t large = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--batch") batch = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--large") large = std::strtoll(argv[i + 1], nullptr, 10);
  }
  try {
    const std::string dir = std::filesystem::temp_directory_path() / ("qbench_npy_rss_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    WriteStack(dir + "/small.npy", 50);
    WriteStack(dir + "/large.npy", large);
    const long small_kib = PeakKiB(dir + "/small.npy", batch);
    const long large_kib = PeakKiB(dir + "/large.npy", batch);
    std::filesystem::remove_all(dir);
    const double ratio = static_cast<double>(large_kib) / static_cast<double>(small_kib);
    std::printf("calibration peak RSS, batch %zu: 50 samples %.1f MiB, %lld samples %.1f MiB (file %.1f MiB)\n", batch,
                small_kib / 1024.0, static_cast<long long>(large), large_kib / 1024.0,
                static_cast<double>(large) * 3 * 64 * 64 * 4 / (1024.0 * 1024.0));
    std::printf("ratio large/small = %.3f (target <= 1.25): %s\n", ratio, ratio <= 1.25 ? "PASS" : "FAIL");
    return ratio <= 1.25 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "calibration_npy_rss: %s\n", e.what());
    return 1;
  }
}
