// Times generating the seven zoo models (weights, calibration forward, graph, serialisation) in one
// run and prints each model's share and the total against the 3 s budget of issue #3.
// Both wall time and process CPU time are shown: on a loaded machine the wall time includes waiting
// for a core, the CPU time is the work itself. Generation is single-threaded.
// Usage: zoo_generate_bench [repetitions = 3]; the best of the repetitions is reported.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "qbench/zoo/zoo.h"

namespace {
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const double budget_s = 3.0;
  const size_t n = qbench::ZooModels().size();
  std::vector<double> best_wall(n, 1e30), best_cpu(n, 1e30);
  std::vector<size_t> bytes(n, 0);
  double best_total_wall_s = 1e30, best_total_cpu_s = 1e30;
  for (int r = 0; r < repetitions; ++r) {
    double total_wall_s = 0, total_cpu_s = 0;
    for (size_t i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      const double c0 = CpuSeconds();
      const std::string serialized = qbench::SerializeModel(qbench::BuildZooModel(qbench::ZooModels()[i].name));
      const double cpu_s = CpuSeconds() - c0;
      const double wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
      bytes[i] = serialized.size();
      best_wall[i] = std::min(best_wall[i], wall_s);
      best_cpu[i] = std::min(best_cpu[i], cpu_s);
      total_wall_s += wall_s;
      total_cpu_s += cpu_s;
    }
    best_total_wall_s = std::min(best_total_wall_s, total_wall_s);
    best_total_cpu_s = std::min(best_total_cpu_s, total_cpu_s);
  }
  std::printf("%-20s %10s %10s %16s\n", "model", "wall_s", "cpu_s", "serialized_bytes");
  for (size_t i = 0; i < n; ++i)
    std::printf("%-20s %10.3f %10.3f %16zu\n", qbench::ZooModels()[i].name.c_str(), best_wall[i], best_cpu[i], bytes[i]);
  std::printf("all seven (best of %d runs): wall %.3f s = %.2f x the %.1f s budget; cpu %.3f s = %.2f x\n", repetitions,
              best_total_wall_s, best_total_wall_s / budget_s, budget_s, best_total_cpu_s, best_total_cpu_s / budget_s);
  return 0;
}
