// interleave_policy — which interleaving policy gives figures closer to a model timed alone?
//
// qbench times several models interleaved (A B A B ...) so machine drift hits them alike; the sessions
// must then not leave idle spinning thread pools that steal a core (docs/measurement.md). Two
// remedies (benchmark/compare.h, InterleavePolicy): every session with its own pool and spinning off
// ("no-spinning"), or all sessions on ONNX Runtime's one global pool, which spins ("global-pool").
//
// For MODEL (default zoo:resnet18) this times, in one process, in chunks that alternate the three
// conditions so that drift hits all of them (chunk c: alone, no-spinning, global-pool, rotated by c):
//   alone        MODEL compared alone (CompareModels with one model: its own pool, spinning on —
//                what `qbench bench MODEL` measures);
//   no-spinning  MODEL interleaved with PARTNER (default zoo:mobilenet_v2), InterleavePolicy::kNoSpinning;
//   global-pool  the same pair, InterleavePolicy::kGlobalThreadPool.
// Each chunk: 3 warm-up runs, --runs timed runs per model. Prints, per policy, the ratio of MODEL's
// median interleaved to its median alone (all samples of all chunks) with a 95 % bootstrap CI, and
// which policy is closer to 1 (|log ratio| smaller). Absolute times drift between runs; the ratios
// are what to compare (docs/measurement.md).
//
// Usage: interleave_policy [--model SPEC] [--partner SPEC] [--threads 2] [--batch 1] [--chunks 8] [--runs 15]
// Exit status: 0 after printing, 2 for a usage error, 1 when a model cannot run.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/core/error.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/runner.h"
#include "qbench/zoo/zoo.h"

namespace {

using namespace qbench;  // NOLINT(build/namespaces)

struct Condition {
  const char* name;
  bool interleaved;
  InterleavePolicy policy;
  std::vector<double> samples_ms;  // MODEL's timed runs, all chunks
};

int Run(int argc, char** argv) {
  std::string model_spec = "zoo:resnet18", partner_spec = "zoo:mobilenet_v2";
  int threads = 2, batch = 1, chunks = 8, runs = 15;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(ErrorCode::kInvalidArgument, a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") model_spec = next();
    else if (a == "--partner") partner_spec = next();
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--batch") batch = std::atoi(next().c_str());
    else if (a == "--chunks") chunks = std::atoi(next().c_str());
    else if (a == "--runs") runs = std::atoi(next().c_str());
    else throw Error(ErrorCode::kInvalidArgument, "unknown argument '" + a + "'");
  }
  if (threads < 1 || batch < 1 || chunks < 1 || runs < 6)
    throw Error(ErrorCode::kInvalidArgument, "--threads, --batch, --chunks must be >= 1 and --runs >= 6");

  const Model model = LoadModelOrZoo(model_spec), partner = LoadModelOrZoo(partner_spec);
  ShapeOverrides shapes;
  shapes.batch = batch;
  // Zoo models keep H and W dynamic: WithZooDefaultDims gives them their default size (224).
  const CompareModel a{model_spec, &model, ResolveInputShapes(model, WithZooDefaultDims(model, shapes)), ""};
  const CompareModel b{partner_spec, &partner, ResolveInputShapes(partner, WithZooDefaultDims(partner, shapes)), ""};

  std::vector<Condition> conditions = {{"alone", false, InterleavePolicy::kNoSpinning, {}},
                                       {"no-spinning", true, InterleavePolicy::kNoSpinning, {}},
                                       {"global-pool", true, InterleavePolicy::kGlobalThreadPool, {}}};
  CompareOptions options;
  options.config.warmup_runs = 3;
  options.config.repetitions = runs;
  options.config.max_repetitions = runs;
  options.config.cv_threshold = 0;
  options.config.batch_size = batch;
  options.session.intra_op_threads = threads;
  options.session.inter_op_threads = 1;
  for (int c = 0; c < chunks; ++c) {
    for (std::size_t k = 0; k < conditions.size(); ++k) {
      Condition& cond = conditions[(k + static_cast<std::size_t>(c)) % conditions.size()];
      options.policy = cond.policy;
      const Comparison r = cond.interleaved ? CompareModels({a, b}, options) : CompareModels({a}, options);
      for (const auto& w : r.warnings) std::fprintf(stderr, "[interleave_policy] %s\n", w.message.c_str());
      if (r.policy != cond.policy && cond.interleaved)
        throw Error(ErrorCode::kRuntime, std::string("policy ") + cond.name + " could not be used");
      const auto& m = r.models[0].measurement.latency_ms;
      cond.samples_ms.insert(cond.samples_ms.end(), m.begin(), m.end());
      std::fprintf(stderr, "[interleave_policy] chunk %d %-12s median %.3f ms\n", c, cond.name,
                   r.models[0].measurement.statistics.median_ms);
    }
  }

  const Statistics alone = ComputeStatistics(conditions[0].samples_ms);
  std::printf("interleave_policy: %s (batch %d) interleaved with %s, %d intra-op threads, ONNX Runtime %s,\n"
              "%d chunks x %d timed runs per condition (conditions alternate by chunk)\n\n",
              model_spec.c_str(), batch, partner_spec.c_str(), threads, OrtVersion().c_str(), chunks, runs);
  std::printf("%-12s %11s %8s %28s\n", "condition", "median ms", "CV", "median / alone [95% CI]");
  std::printf("%-12s %11.3f %7.1f%% %28s\n", "alone", alone.median_ms, 100 * alone.cv, "1");
  const char* closer = nullptr;
  double best = 0;
  for (std::size_t k = 1; k < conditions.size(); ++k) {
    const Statistics s = ComputeStatistics(conditions[k].samples_ms);
    // median(interleaved) / median(alone): EstimateSpeedup's baseline / candidate, unpaired.
    const SpeedupEstimate ratio = EstimateSpeedup(conditions[k].samples_ms, conditions[0].samples_ms, false, 7 + k);
    char ci[64];
    std::snprintf(ci, sizeof ci, "%.3f [%.3f, %.3f]", ratio.speedup, ratio.ci_low, ratio.ci_high);
    std::printf("%-12s %11.3f %7.1f%% %28s\n", conditions[k].name, s.median_ms, 100 * s.cv, ci);
    const double distance = std::fabs(std::log(ratio.speedup));
    if (!closer || distance < best) {
      closer = conditions[k].name;
      best = distance;
    }
  }
  std::printf("\ncloser to the model timed alone: %s\n", closer);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const qbench::Error& e) {
    std::fprintf(stderr, "interleave_policy: %s\n", e.what());
    return e.code() == qbench::ErrorCode::kInvalidArgument ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "interleave_policy: %s\n", e.what());
    return 1;
  }
}
