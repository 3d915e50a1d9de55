// int8_profile: where an int8 model's time goes against its fp32 model, from ONNX Runtime's
// per-node profiler (src/lab/op_profile.cc), both profiled alternately in one run.
// Prints, per op kind (QLinearConv (depthwise 3x3), Conv (1x1), QuantizeLinear, ...), the nodes ORT
// ran, the time per run and the achieved GMAC/s; the node counts of the graphs ORT runs; and the
// per-node ratio for the MAC nodes (fp32 time / int8 time), summed by kind; the bound of any fp32/int8
// placement (each MAC node at its faster precision, Q/DQ free); ORT's GEMM peaks (int8 vs fp32).
// Each node's time is its fastest run (robust to other processes on a shared machine; --mean: its mean).
// Usage: int8_profile FP32.onnx INT8.onnx [INT8b.onnx ...] [--threads N] [--runs R] [--rounds K] [--mean]
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "qbench/core/log.h"
#include "qbench/lab/op_profile.h"
#include "qbench/lab/roofline.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/inputs.h"
#include "qbench/zoo/zoo.h"

namespace {

using namespace qbench;

struct Kind {
  int nodes = 0;
  double ms = 0;
  std::int64_t macs = 0;
};

// Per op kind ("<ORT op> (<conv kind>)") of one model. Each node's time is its fastest run (`min`,
// robust to other processes on a shared machine) or its mean run; `per_ref_node` gets the MAC nodes'
// times by the reference node they compute.
std::map<std::string, Kind> Kinds(const std::vector<ProfiledNode>& events, const ReferenceGraph& ref, bool min,
                                  std::map<std::string, double>* per_ref_node) {
  struct Node {
    std::string op;
    double best = 1e300, sum = 0;
    int runs = 0;
  };
  std::map<std::string, Node> nodes;
  for (const auto& e : events) {
    Node& n = nodes[e.node];
    n.op = e.op_type;
    n.best = std::min(n.best, e.duration_us / 1000.0);
    n.sum += e.duration_us / 1000.0;
    ++n.runs;
  }
  std::map<std::string, Kind> k;
  for (const auto& [name, n] : nodes) {
    ProfiledNode p;
    p.node = name;
    p.op_type = n.op;
    const std::string node = AttributeNode(ref, p);
    const double ms = min ? n.best : n.sum / n.runs;
    std::string kind = n.op;
    std::int64_t macs = 0;
    if (!node.empty()) {
      const NodeWork& w = ref.nodes.at(node);
      if (!w.kind.empty()) kind += " (" + w.kind + ")";
      macs = w.macs;
      (*per_ref_node)[node] += ms;
    }
    Kind& x = k[kind];
    ++x.nodes;
    x.macs += macs;
    x.ms += ms;
  }
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, runs = 20, rounds = 3;
  bool min = true;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--mean")) min = false;
    else files.push_back(argv[i]);
  }
  if (files.size() < 2) {
    std::fprintf(stderr, "usage: int8_profile FP32.onnx INT8.onnx [...] [--threads N] [--runs R] [--rounds K]\n");
    return 2;
  }
  SetLogLevel(LogLevel::kWarning);
  std::vector<Model> models;
  for (const auto& f : files) models.push_back(WithBatchSize(LoadModel(f), 1));
  ShapeOverrides shapes = WithZooDefaultDims(models[0], {});  // a zoo export's H, W: its nominal size
  shapes.batch = 1;
  const ReferenceGraph ref = BuildReferenceGraph(models[0], shapes);
  const auto inputs = ResolveInputShapes(models[0], shapes);
  const auto feeds = FeedsInOrder(GenerateInputs(models[0], inputs, InputOptions{}), models[0].Inputs());
  std::vector<std::vector<ProfiledNode>> events(models.size());
  for (int r = 0; r < rounds; ++r)  // the models alternate, so that a busy spell hits all of them
    for (size_t m = 0; m < models.size(); ++m) {
      const auto e = RunOrtProfile(models[m], feeds, threads, 3, runs, "/tmp");
      events[m].insert(events[m].end(), e.begin(), e.end());
    }
  std::vector<std::map<std::string, Kind>> kinds(models.size());
  std::vector<std::map<std::string, double>> per_node(models.size());
  for (size_t m = 0; m < models.size(); ++m) kinds[m] = Kinds(events[m], ref, min, &per_node[m]);
  for (size_t m = 0; m < models.size(); ++m) {
    double total = 0;
    for (const auto& [k, v] : kinds[m]) total += v.ms;
    std::printf("\n%s: sum of node times %.3f ms per run (%s of %d runs x %d rounds per node, %d threads)\n",
                files[m].c_str(), total, min ? "fastest" : "mean", runs, rounds, threads);
    std::printf("  %-36s %6s %10s %7s %9s\n", "op kind", "nodes", "ms/run", "share", "GMAC/s");
    for (const auto& [k, v] : kinds[m])
      std::printf("  %-36s %6d %10.3f %6.1f%% %9.1f\n", k.c_str(), v.nodes, v.ms, 100 * v.ms / total,
                  v.macs > 0 ? v.macs / (v.ms * 1e6) : 0.0);
  }
  // Per reference MAC node kind: fp32 time vs each int8 model's time.
  for (size_t m = 1; m < models.size(); ++m) {
    std::map<std::string, std::pair<double, double>> by_kind;
    for (const auto& [node, ms] : per_node[0]) {
      const auto it = per_node[m].find(node);
      if (it == per_node[m].end()) continue;
      const NodeWork& w = ref.nodes.at(node);
      auto& p = by_kind[w.op_type + (w.kind.empty() ? "" : " (" + w.kind + ")")];
      p.first += ms;
      p.second += it->second;
    }
    std::printf("\nMAC nodes by kind, fp32 vs %s:\n  %-24s %10s %10s %7s\n", files[m].c_str(), "kind", "fp32 ms",
                "int8 ms", "ratio");
    for (const auto& [k, p] : by_kind)
      std::printf("  %-24s %10.3f %10.3f %6.2fx\n", k.c_str(), p.first, p.second, p.first / p.second);
    // The best any placement of this model's int8 kernels can do: every MAC node at its faster
    // precision, the fp32 model's other nodes as they are, and no Q/DQ, requantization or layout cost.
    double fp32_total = 0, fp32_mac = 0, best = 0;
    for (const auto& [k, v] : kinds[0]) fp32_total += v.ms;
    for (const auto& [node, ms] : per_node[0]) {
      fp32_mac += ms;
      const auto it = per_node[m].find(node);
      best += it == per_node[m].end() ? ms : std::min(ms, it->second);
    }
    best += fp32_total - fp32_mac;
    std::printf("  bound of any placement: %.3f / %.3f ms = %.2fx (each MAC node at its faster precision, no "
                "Q/DQ, requantization or layout cost)\n", fp32_total, best, fp32_total / best);
  }
  // ORT's GEMM peaks on this machine: the most its int8 kernels gain over fp32 on large matrices.
  const RooflinePeaks peaks = MeasureRooflinePeaks(threads);
  if (peaks.ok)
    std::printf("\nGEMM peaks, %d threads: fp32 %.1f GMAC/s, int8 (u8 x s8) %.1f GMAC/s: int8/fp32 %.2fx (%s)\n",
                threads, peaks.fp32_macs_per_s / 1e9, peaks.int8_macs_per_s / 1e9,
                peaks.int8_macs_per_s / peaks.fp32_macs_per_s, peaks.method.c_str());
  return 0;
}
