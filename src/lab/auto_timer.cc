// The ONNX Runtime timings of `quantize --auto` (see qbench/lab/auto_quantize.h): per-node profiles
// attributed to the prepared fp32 graph, and comparisons with fp32 through the one timing path
// (CompareModels, qbench/benchmark/compare.h).
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "qbench/benchmark/compare.h"
#include "qbench/core/log.h"
#include "qbench/lab/auto_quantize.h"
#include "qbench/lab/op_profile.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"
#include "qbench/runtime/ort_env.h"

namespace qbench {
namespace {

bool IsQdq(const std::string& op) { return op == "QuantizeLinear" || op == "DequantizeLinear"; }

// The prepared-graph node a profiled node computes: a MAC node by AttributeNode's rules, else the
// node of the same name, else the longest node name it starts with followed by '_' (ORT's suffixes).
std::string NodeOf(const ReferenceGraph& ref, const ProfiledNode& n) {
  if (std::string mac = AttributeNode(ref, n); !mac.empty()) return mac;
  if (ref.nodes.count(n.node)) return n.node;
  std::string best;
  for (const auto& [name, work] : ref.nodes) {
    if (name.size() > best.size() && n.node.size() > name.size() && n.node.compare(0, name.size(), name) == 0 &&
        n.node[name.size()] == '_')
      best = name;
  }
  return best;
}

std::string ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

class OrtAutoTimer : public AutoTimer {
 public:
  OrtAutoTimer(std::int64_t batch, int threads, const BenchmarkConfig& config, std::uint64_t seed,
               const ShapeOverrides& shapes)
      : batch_(batch), threads_(threads), config_(config), seed_(seed), shapes_(shapes) {
    shapes_.batch = batch;
  }

  NodeTimes Profile(const Model& model, const Model& prepared_fp32) override {
    const ShapeOverrides& shapes = shapes_;
    const Model sized = WithBatchSize(model, batch_);
    const ReferenceGraph ref = BuildReferenceGraph(WithBatchSize(prepared_fp32, batch_), shapes);
    const auto inputs = ResolveInputShapes(sized, shapes);
    InputOptions io;
    io.seed = seed_;
    const auto feeds = FeedsInOrder(GenerateInputs(sized, inputs, io), sized.Inputs());
    constexpr int kWarmup = 3, kRuns = 10;
    const auto events = RunOrtProfile(sized, feeds, threads_, kWarmup, kRuns, ScratchDir());
    NodeTimes t;
    for (const auto& e : events) {
      const double ms = e.duration_us / 1000.0 / kRuns;
      t.total_ms += ms;
      if (IsQdq(e.op_type)) {
        t.qdq_ms += ms;
        t.qdq_elements += e.output_elements / kRuns;
        continue;
      }
      const std::string node = NodeOf(ref, e);
      if (!node.empty()) t.node_ms[node] += ms;
    }
    return t;
  }

  Comparison Compare(const std::vector<const Model*>& models, const std::vector<std::string>& labels) override {
    std::vector<CompareModel> compared;
    for (std::size_t i = 0; i < models.size(); ++i)
      compared.push_back({i < labels.size() ? labels[i] : fmt::format("model {}", i), models[i],
                          ResolveInputShapes(*models[i], shapes_), ""});
    CompareOptions options;  // identical seeded inputs; the default interleaving policy (global pool)
    options.config = config_;
    options.config.batch_size = batch_;
    options.session.intra_op_threads = threads_;
    options.input_seed = seed_;
    options.context = fmt::format("auto batch {}", batch_);
    LogInfo(fmt::format("auto: timing fp32 and {} candidate(s) interleaved at batch {} with {}", models.size() - 1,
                        batch_, IntraOpThreadsText(threads_)));
    return CompareModels(compared, options);
  }

 private:
  std::int64_t batch_;
  int threads_;
  BenchmarkConfig config_;
  std::uint64_t seed_;
  ShapeOverrides shapes_;
};

}  // namespace

std::unique_ptr<AutoTimer> MakeOrtAutoTimer(std::int64_t batch, int threads, const BenchmarkConfig& config,
                                            std::uint64_t seed, const ShapeOverrides& shapes) {
  return std::make_unique<OrtAutoTimer>(batch, threads, config, seed, shapes);
}

}  // namespace qbench
