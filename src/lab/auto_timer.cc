// The ONNX Runtime timings of `quantize --auto` (see qbench/lab/auto_quantize.h): per-node profiles
// attributed to the prepared fp32 graph, and interleaved comparisons with fp32.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "qbench/core/log.h"
#include "qbench/lab/auto_quantize.h"
#include "qbench/lab/op_profile.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"

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

  InterleavedResult Compare(const std::vector<const Model*>& models) override {
    SessionConfig session;
    session.intra_op_threads = threads_;
    session.allow_spinning = false;  // interleaved: an idle session must not spin on a core
    std::vector<std::unique_ptr<OrtRunner>> runners;
    std::vector<std::unique_ptr<OrtBenchTarget>> targets;
    std::vector<BenchTarget*> timed;
    const ShapeOverrides& shapes = shapes_;
    InputOptions io;
    io.seed = seed_;
    const Model first = WithBatchSize(*models.front(), batch_);
    const auto generated = GenerateInputs(first, ResolveInputShapes(first, shapes), io);
    for (const Model* m : models) {
      runners.push_back(OrtRunner::Create(WithBatchSize(*m, batch_), session));
      targets.push_back(std::make_unique<OrtBenchTarget>(*runners.back(), FeedsInOrder(generated, runners.back()->inputs())));
      timed.push_back(targets.back().get());
    }
    BenchmarkConfig config = config_;
    config.batch_size = batch_;
    LogInfo(fmt::format("auto: timing fp32 and {} candidate(s) interleaved at batch {} ({} intra-op threads)",
                        models.size() - 1, batch_, threads_));
    return RunInterleaved(timed, config);
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
