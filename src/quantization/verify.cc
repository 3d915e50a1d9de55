// Verify before exit: run the quantized model in ONNX Runtime, compare it with fp32, keep the
// tensors responsible for a collapse fp32, write through a temporary file (see verify.h and
// docs/verification.md).
#include "qbench/quantization/verify.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <set>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/core/text.h"
#include "quantization/graph_util.h"
#include "quantization/verify_internal.h"

namespace qbench {
namespace {

using quant_internal::Db;
using quant_internal::GraphIndex;
using quant_internal::TensorComparison;

// The node an ONNX Runtime message names: "Node (NAME)" (load), "node. Name:'NAME'" (run),
// "node with name 'NAME'" (no kernel). "" when it names none.
std::string NodeInOrtMessage(const std::string& m) {
  static const std::regex patterns[] = {std::regex(R"re(Name:'([^']*)')re"), std::regex(R"re(node with name '([^']*)')re"),
                                        std::regex(R"re(Node \(([^)]*)\))re"), std::regex(R"re(In Node, \("([^"]*)")re")};
  std::smatch match;
  for (const auto& p : patterns)
    if (std::regex_search(m, match, p) && !match[1].str().empty()) return match[1].str();
  return "";
}

// ORT's reason on one line: after its "[ONNXRuntimeError] : N : CODE : " tag, first line, ≤ 240 chars.
std::string OrtReason(std::string m) {
  // OrtRunner's wrapper ("ONNX Runtime cannot load 'PATH': ...") names the in-memory model's origin.
  if (m.rfind("ONNX Runtime ", 0) == 0)
    if (const auto q = m.find("': "); q != std::string::npos) m = m.substr(q + 3);
  // Graph-resolve errors list the node's signature first: "In Node, (...) : (...) -> (...) , Error why".
  if (const auto e = m.find(" , Error "); e != std::string::npos) m = m.substr(e + 9);
  const std::string tag = "[ONNXRuntimeError] : ";
  if (const auto pos = m.rfind(tag); pos != std::string::npos) {
    m = m.substr(pos + tag.size());
    for (int k = 0; k < 2; ++k)
      if (const auto sep = m.find(" : "); sep != std::string::npos && sep < 24) m = m.substr(sep + 3);
  }
  if (const auto nl = m.find('\n'); nl != std::string::npos) m = m.substr(0, nl);
  while (!m.empty() && (m.back() == ' ' || m.back() == '.')) m.pop_back();
  return Abbreviate(m, 240);
}

// Runs `model` on every batch. On failure returns false with `failure` set to one line.
bool RunAll(const Model& model, const VerificationData& data, const SessionConfig& config, std::vector<TensorInfo>* infos,
            std::vector<std::vector<HostTensor>>* outputs, std::string* failure) {
  std::unique_ptr<OrtRunner> runner;
  std::string stage = "does not load";
  try {
    runner = OrtRunner::Create(model, config);
    stage = "does not run";
    if (infos) *infos = runner->outputs();
    for (const auto& feeds : data.feeds) {
      auto outs = runner->Run(feeds);
      if (outputs) outputs->push_back(std::move(outs));
    }
    return true;
  } catch (const Error& e) {
    const std::string msg = e.what();
    const std::string node = NodeInOrtMessage(msg);
    std::string op;
    for (const auto& n : model.proto.graph().node())
      if (!node.empty() && n.name() == node) op = n.op_type();
    *failure = stage + (node.empty() ? "" : " at node '" + node + "'" + (op.empty() ? "" : " (" + op + ")")) + ": " +
               OrtReason(msg);
    return false;
  }
}

// Adds `names` as extra graph outputs of a copy of `model`, untyped (ONNX Runtime infers the types).
Model WithExtraOutputs(const Model& model, const std::vector<std::string>& names) {
  Model m = model;
  auto* g = m.proto.mutable_graph();
  std::set<std::string> existing;
  for (const auto& o : g->output()) existing.insert(o.name());
  for (const auto& n : names) {
    if (!existing.insert(n).second) continue;
    auto* out = g->add_output();
    out->set_name(n);
  }
  return m;
}

// Runs `model` with `names` as extra outputs (graph optimization off, so every tensor of the file
// exists) and returns name → comparison of the tensor pairs (reference, candidate) in `pairs`, where
// both sides come from `reference_model` / `candidate_model` (the same model for QDQ pairs).
using TensorPairs = std::vector<std::pair<std::string, std::string>>;  // (reference name, candidate name)
std::map<std::string, TensorComparison> ComparePairs(const Model& reference_model, const Model* candidate_model,
                                                     const TensorPairs& pairs, const VerificationData& data,
                                                     const VerifyOptions& options) {
  std::vector<std::string> ref_names, cand_names;
  for (const auto& [r, c] : pairs) ref_names.push_back(r), cand_names.push_back(c);
  if (!candidate_model) ref_names.insert(ref_names.end(), cand_names.begin(), cand_names.end());
  SessionConfig sc = options.session;
  sc.graph_optimization = "disable";
  auto ref_runner = OrtRunner::Create(WithExtraOutputs(reference_model, ref_names), sc);
  std::unique_ptr<OrtRunner> cand_runner;
  if (candidate_model) cand_runner = OrtRunner::Create(WithExtraOutputs(*candidate_model, cand_names), sc);
  std::map<std::string, std::size_t> ref_pos, cand_pos;
  for (std::size_t i = 0; i < ref_runner->outputs().size(); ++i) ref_pos[ref_runner->outputs()[i].name] = i;
  if (cand_runner)
    for (std::size_t i = 0; i < cand_runner->outputs().size(); ++i) cand_pos[cand_runner->outputs()[i].name] = i;
  std::map<std::string, TensorComparison> result;
  for (const auto& feeds : data.feeds) {
    const auto ref_out = ref_runner->Run(feeds);
    std::vector<HostTensor> cand_out;
    if (cand_runner) cand_out = cand_runner->Run(feeds);
    for (const auto& [r, c] : pairs) {
      const HostTensor& a = ref_out.at(ref_pos.at(r));
      const HostTensor& b = cand_runner ? cand_out.at(cand_pos.at(c)) : ref_out.at(ref_pos.at(c));
      if (a.dtype != DType::kFloat32 || b.dtype != DType::kFloat32) continue;
      result.emplace(r, TensorComparison(options.max_slices)).first->second.Add(a, b);
    }
  }
  return result;
}

// How bad a tensor comparison is: the lower of the whole SQNR and the worst collapsed slice's.
double Badness(const TensorComparison& c, const VerifyOptions& o, std::string* detail, std::size_t rank_hint) {
  const double whole = c.sqnr_db();
  const SliceCollapse s = c.WorstSlice(o.min_sqnr_db, o.slice_gap_db);
  if (s.axis >= 0 && s.sqnr_db < whole) {
    if (detail) *detail = fmt::format("{} reach {} dB (the whole tensor {} dB)", quant_internal::DescribeSlice(s, rank_hint), Db(s.sqnr_db), Db(whole));
    return s.sqnr_db;
  }
  if (detail) *detail = fmt::format("SQNR {} dB", Db(whole));
  return whole;
}

struct Culprit {
  std::string tensor;
  std::vector<std::string> nodes;  // prepared-graph node names to keep fp32
  std::string reason;
  double score = 0;
};

// The nodes to keep fp32 so that tensor `t` of the prepared graph is no longer quantized: its
// producer (with the Conv/Gemm a folded Relu/Clip sits on), or, once that is fp32, the quantized
// nodes that read it.
std::vector<std::string> NodesFor(const std::string& t, const GraphIndex& idx, const std::set<std::string>& kept,
                                  const std::set<std::string>& quantized) {
  const auto& g = idx.graph;
  std::vector<std::string> out;
  auto p = idx.producer.find(t);
  if (p != idx.producer.end()) {
    const auto& node = g.node(p->second);
    if (!kept.count(node.name())) {
      out.push_back(node.name());
      if ((node.op_type() == "Relu" || node.op_type() == "Clip") && node.input_size() > 0) {
        auto q = idx.producer.find(node.input(0));
        if (q != idx.producer.end() && !kept.count(g.node(q->second).name())) out.push_back(g.node(q->second).name());
      }
      return out;
    }
  }
  auto c = idx.consumers.find(t);
  if (c != idx.consumers.end())
    for (int i : c->second) {
      const std::string& name = g.node(i).name();
      if (quantized.count(name) && !kept.count(name) && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
  return out;
}

// Finds the tensors whose quantization collapsed, most damaged first. Static (QDQ): every
// QuantizeLinear→DequantizeLinear pair of the quantized model, the DQ output against the Q input
// (the error that quantizing that one tensor adds, qdq_loss_debug's "qdq" error); a tensor is a
// culprit when that loses more than a collapse allows. Otherwise (dynamic, or no such pair): the fp32
// and quantized values of each quantized node's output, matched by name (qdq_loss_debug's "xmodel"
// error), ranked by the SQNR drop from the node's input to its output; the worst one is the culprit.
std::vector<Culprit> FindCulprits(const Model& prepared, const QuantizeResult& current, const VerificationData& data,
                                  const VerifyOptions& options, const std::set<std::string>& kept,
                                  const std::set<std::string>& skip_tensors) {
  const GraphIndex pidx(prepared.proto.graph());
  std::set<std::string> quantized;
  for (const auto& d : current.report.nodes)
    if (d.quantized) quantized.insert(d.name);
  const auto& qg = current.model.proto.graph();
  const GraphIndex qidx(qg);
  TensorPairs qdq;  // (Q input, DQ output)
  std::map<std::string, std::string> original;  // Q input → tensor name in the prepared graph
  for (const auto& n : qg.node()) {
    if (n.op_type() != "QuantizeLinear" || n.input_size() < 1 || qidx.IsInitializer(n.input(0))) continue;
    auto c = qidx.consumers.find(n.output(0));
    if (c == qidx.consumers.end()) continue;
    for (int i : c->second) {
      const auto& dq = qg.node(i);
      if (dq.op_type() != "DequantizeLinear") continue;
      qdq.emplace_back(n.input(0), dq.output(0));
      original[n.input(0)] = qidx.graph_outputs.count(dq.output(0)) ? dq.output(0) : n.input(0);
      break;
    }
  }
  std::vector<Culprit> culprits;
  if (!qdq.empty()) {
    const auto local = ComparePairs(current.model, nullptr, qdq, data, options);
    for (const auto& [in, cmp] : local) {
      std::string detail;
      const std::string t = original[in];
      if (skip_tensors.count(t)) continue;
      const double bad = Badness(cmp, options, &detail, 2);
      if (!(bad < options.min_sqnr_db)) continue;
      Culprit c;
      c.tensor = t;
      c.nodes = NodesFor(t, pidx, kept, quantized);
      c.score = bad;
      c.reason = "quantizing tensor '" + t + "' alone loses too much: " + detail;
      if (!c.nodes.empty()) culprits.push_back(c);
    }
    std::sort(culprits.begin(), culprits.end(), [](const Culprit& a, const Culprit& b) { return a.score < b.score; });
    if (!culprits.empty()) return culprits;
  }
  // xmodel: fp32 vs quantized output of each quantized node (and its first input).
  TensorPairs pairs;
  std::set<std::string> cand_tensors, seen;
  for (const auto& d : current.report.nodes) {
    if (!d.quantized || kept.count(d.name)) continue;
    for (const auto& n : prepared.proto.graph().node()) {
      if (n.name() != d.name || n.output_size() < 1) continue;
      for (const std::string& t : {n.input_size() > 0 ? n.input(0) : std::string(), n.output(0)})
        if (!t.empty() && pidx.producer.count(t) && qidx.producer.count(t) && seen.insert(t).second) pairs.emplace_back(t, t);
    }
  }
  if (pairs.empty()) return culprits;
  const auto cross = ComparePairs(prepared, &current.model, pairs, data, options);
  Culprit best;
  double best_drop = -1;
  for (const auto& n : prepared.proto.graph().node()) {
    if (!quantized.count(n.name()) || kept.count(n.name()) || n.output_size() < 1 || skip_tensors.count(n.output(0))) continue;
    auto out = cross.find(n.output(0));
    if (out == cross.end()) continue;
    std::string detail;
    const double bad = Badness(out->second, options, &detail, 2);
    double in_bad = std::numeric_limits<double>::infinity();
    if (n.input_size() > 0)
      if (auto in = cross.find(n.input(0)); in != cross.end()) in_bad = Badness(in->second, options, nullptr, 2);
    const double drop = std::isinf(in_bad) ? 1e9 - std::max(-1e6, bad) : in_bad - bad;
    if (!(bad < options.min_sqnr_db) || drop < options.slice_gap_db || drop <= best_drop) continue;
    best_drop = drop;
    best.tensor = n.output(0);
    best.nodes = {n.name()};
    best.score = bad;
    best.reason = "its output '" + n.output(0) + "' against fp32: " + detail + (std::isinf(in_bad) ? "" : ", its input " + Db(in_bad) + " dB");
  }
  if (best_drop >= 0) culprits.push_back(best);
  return culprits;
}

struct Checked {
  QuantizeResult result;
  std::vector<OutputVerification> outputs;
  int collapsed = 0;
  double worst = std::numeric_limits<double>::infinity();  // lowest judged SQNR of a collapsed output
};

void Score(Checked* c) {
  c->collapsed = 0;
  c->worst = std::numeric_limits<double>::infinity();
  for (const auto& o : c->outputs) {
    if (!o.collapsed) continue;
    ++c->collapsed;
    const double v = o.non_finite > 0 ? -std::numeric_limits<double>::infinity() : (o.slice.axis >= 0 && !(o.sqnr_db < 0) ? std::min(o.sqnr_db, o.slice.sqnr_db) : o.sqnr_db);
    c->worst = std::min(c->worst, std::isnan(v) ? -std::numeric_limits<double>::infinity() : v);
  }
}

// `a` is better than `b`: fewer collapsed outputs, or as many and a worst SQNR higher by `gain_db`.
bool Better(const Checked& a, const Checked& b, double gain_db) {
  if (a.collapsed != b.collapsed) return a.collapsed < b.collapsed;
  return a.collapsed > 0 && a.worst >= b.worst + gain_db;
}

std::string Summary(const std::vector<OutputVerification>& outs) {
  std::string s;
  for (const auto& o : outs)
    if (o.collapsed) s += (s.empty() ? "" : "; ") + std::string("output '") + o.name + "': " + o.why;
  return s.empty() ? "no output collapsed" : s;
}

[[noreturn]] void Reject(const Model& model, const std::string& path, const std::string& what) {
  const std::string rejected = RejectedPath(path);
  std::string kept = "";
  try {
    WriteFileAtomic(rejected, SerializeModel(model));
    kept = "; kept for inspection as '" + rejected + "'";
  } catch (const Error&) {
  }
  if (::access(path.c_str(), F_OK) == 0) std::remove(path.c_str());
  throw Error(ErrorCode::kRuntime, "the quantized model " + what + "; nothing written to '" + path + "'" + kept);
}

void InjectFault(Model* model, const std::string& node) {
  for (auto& n : *model->proto.mutable_graph()->mutable_node())
    if (n.name() == node) {
      n.set_op_type("QbenchInjectedFault");
      n.set_domain("");
      return;
    }
  throw Error(ErrorCode::kInvalidArgument, "fault injection: the quantized model has no node '" + node + "'");
}

}  // namespace

std::string RejectedPath(const std::string& path) {
  const std::string ext = ".onnx";
  if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
    return path.substr(0, path.size() - ext.size()) + ".rejected.onnx";
  return path + ".rejected.onnx";
}

VerificationData ReadVerificationData(CalibrationDataReader& reader, std::size_t max_batches) {
  VerificationData d;
  std::vector<HostTensor> feeds;
  while (d.feeds.size() < max_batches && reader.Next(&feeds)) d.feeds.push_back(feeds);
  d.description = reader.Describe();
  return d;
}

VerifiedQuantization VerifyAndSave(const Model& fp32, QuantizeResult first, const RequantizeFn& requantize,
                                   const VerificationData& data, const std::string& path, const VerifyOptions& options) {
  if (!fp32.path.empty() && (path == fp32.path || SameFile(path, fp32.path)))
    throw Error(ErrorCode::kInvalidArgument, "refusing to overwrite the input model '" + fp32.path + "'; choose another output path");
  VerifiedQuantization out;
  VerificationReport& rep = out.verification;
  rep.min_sqnr_db = options.min_sqnr_db;
  rep.slice_gap_db = options.slice_gap_db;
  rep.samples = data.description;
  rep.batches = data.feeds.size();
  if (!options.inject_fault_node.empty()) InjectFault(&first.model, options.inject_fault_node);
  auto save_unverified = [&](const std::string& note) {
    rep.note = note;
    SaveModel(first.model, path);
    out.result = std::move(first);
    return out;
  };
  if (!options.enabled) return save_unverified("--no-verify");
  if (data.feeds.empty()) return save_unverified("no verification inputs");
  std::vector<TensorInfo> infos;
  std::vector<std::vector<HostTensor>> reference;
  std::string failure;
  if (!RunAll(fp32, data, options.session, &infos, &reference, &failure))
    return save_unverified("the fp32 model itself " + failure);

  auto check = [&](QuantizeResult r, Checked* c, std::string* why) {
    std::vector<std::vector<HostTensor>> outs;
    if (!RunAll(r.model, data, options.session, nullptr, &outs, why)) return false;
    c->outputs = CompareOutputs(infos, reference, outs, options);
    c->result = std::move(r);
    Score(c);
    return true;
  };
  Checked best;
  if (!check(first, &best, &failure)) Reject(first.model, path, failure);
  rep.rounds.push_back("pass 1: " + Summary(best.outputs));
  if (best.collapsed > 0 && options.fix) {
    std::vector<std::string> prep_actions;
    const Model prepared = PrepareModelForQuantization(fp32, &prep_actions);
    std::vector<std::string> keep;           // accepted: each round that helped
    std::set<std::string> tried_tensors;      // culprits whose fallback did not help
    for (int round = 1; round <= options.max_rounds && best.collapsed > 0; ++round) {
      std::vector<Culprit> culprits;
      try {
        culprits = FindCulprits(prepared, best.result, data, options, std::set<std::string>(keep.begin(), keep.end()),
                                tried_tensors);
      } catch (const Error& e) {
        rep.note = std::string("the search for the tensors responsible failed: ") + e.what();
        break;
      }
      if (culprits.empty()) {
        rep.rounds.push_back(fmt::format("round {}: no (further) responsible tensor found", round));
        break;
      }
      const auto limit = static_cast<std::size_t>(std::max(1, options.max_culprits_per_round));
      if (culprits.size() > limit) culprits.resize(limit);
      std::vector<std::string> trial = keep;
      std::vector<KeptFp32> added;
      for (const auto& c : culprits) {
        tried_tensors.insert(c.tensor);
        for (const auto& n : c.nodes) {
          if (std::find(trial.begin(), trial.end(), n) != trial.end()) continue;
          trial.push_back(n);
          std::string op;
          for (const auto& pn : prepared.proto.graph().node())
            if (pn.name() == n) op = pn.op_type();
          added.push_back({n, op, c.tensor, c.reason, round});
        }
      }
      Checked next;
      std::string why;
      try {
        if (!check(requantize(trial), &next, &why)) {
          rep.rounds.push_back(fmt::format("round {}: the re-quantized model {}; kept the earlier one", round, why));
          continue;
        }
      } catch (const Error& e) {
        rep.rounds.push_back(fmt::format("round {}: re-quantizing failed: {}", round, e.what()));
        break;
      }
      const bool helped = Better(next, best, kVerifyMinGainDb);
      rep.rounds.push_back(fmt::format("pass {} ({} node(s) fp32): {}{}", round + 1, trial.size(), Summary(next.outputs),
                                       helped ? "" : fmt::format(" (gained < {} dB: reverted)", Db(kVerifyMinGainDb))));
      if (!helped) continue;
      best = std::move(next);
      keep = trial;
      rep.kept_fp32.insert(rep.kept_fp32.end(), added.begin(), added.end());
    }
    for (auto& d : best.result.report.nodes)
      for (const auto& k : rep.kept_fp32)
        if (d.name == k.node) d.reason = "kept fp32 by verification: " + k.reason;
    SummarizeCoverage(&best.result.report);
  }

  // Write beside the destination, load the file back, verify it, then rename it into place.
  const std::string tmp = path + ".verifying." + std::to_string(::getpid());
  WriteFileAtomic(tmp, SerializeModel(best.result.model));
  Checked final_check;
  std::string why;
  bool ok = false;
  try {
    ok = check(QuantizeResult{LoadModel(tmp), best.result.report}, &final_check, &why);
  } catch (const Error& e) {
    why = std::string("does not load from '") + tmp + "': " + e.what();
  }
  if (!ok) {
    std::remove(tmp.c_str());
    Reject(best.result.model, path, why);
  }
  rep.performed = true;
  rep.outputs = final_check.outputs;
  rep.collapsed = final_check.collapsed > 0;
  if (rep.collapsed && options.strict) {
    std::remove(tmp.c_str());
    Reject(best.result.model, path, "still collapses (--strict): " + Summary(rep.outputs));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot move the verified model into place at '" + path + "'");
  }
  final_check.result.model.path = fp32.path;
  out.result = std::move(final_check.result);
  return out;
}

}  // namespace qbench
