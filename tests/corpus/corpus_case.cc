// tests/corpus/corpus_case.cc — one conformance-corpus model checked end to end (run in a child
// process by corpus_test.cc so that a crash or hang is contained and recorded).
#include "corpus_case.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "qbench/runtime/runner.h"

namespace qbench::corpus {
namespace {

bool Exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string Slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Reads DIR/test_data_set_{set}/{prefix}_{i}.pb for i = 0, 1, ... as named tensors. Throws
/// std::runtime_error when a file is not a TensorProto (sequence/optional/map test data).
std::vector<std::pair<std::string, HostTensor>> ReadTensors(const std::string& dir, const std::string& prefix,
                                                            int set = 0) {
  std::vector<std::pair<std::string, HostTensor>> out;
  for (int i = 0;; ++i) {
    std::string p = dir + "/test_data_set_" + std::to_string(set) + "/" + prefix + "_" + std::to_string(i) + ".pb";
    if (!Exists(p)) break;
    onnx::TensorProto t;
    if (!t.ParseFromString(Slurp(p)) || (t.dims_size() == 0 && !t.has_raw_data() && t.float_data_size() == 0 &&
                                         t.int64_data_size() == 0 && t.int32_data_size() == 0 &&
                                         t.double_data_size() == 0 && t.string_data_size() == 0))
      throw std::runtime_error(prefix + "_" + std::to_string(i) + ".pb is not a tensor");
    if (t.data_type() == onnx::TensorProto::STRING) throw std::runtime_error("string tensors");
    out.emplace_back(t.name(), TensorFromProto(t));
  }
  return out;
}

/// The test data for each of `names` (the model's inputs in order): by name, else by position
/// when the test data is unnamed. Throws std::runtime_error naming an input without data.
std::vector<HostTensor> Feeds(const std::vector<std::string>& names,
                              const std::vector<std::pair<std::string, HostTensor>>& inputs) {
  std::vector<HostTensor> feeds;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    auto it = std::find_if(inputs.begin(), inputs.end(), [&](const auto& kv) { return kv.first == name; });
    if (it == inputs.end() && i < inputs.size() && inputs[i].first.empty()) it = inputs.begin() + i;
    if (it == inputs.end()) throw std::runtime_error("no test data for input '" + name + "'");
    feeds.push_back(it->second);
  }
  return feeds;
}

std::vector<std::string> InputNames(const std::vector<TensorInfo>& infos) {
  std::vector<std::string> names;
  for (const auto& t : infos) names.push_back(t.name);
  return names;
}

/// The case's inputs for `runner`. ONNX's test data stores bfloat16 inputs as uint16 (numpy has no
/// bfloat16): the bits are relabelled as the model's bfloat16.
std::vector<HostTensor> Feeds(const Runner& runner, const std::vector<std::pair<std::string, HostTensor>>& inputs) {
  std::vector<HostTensor> feeds = Feeds(InputNames(runner.inputs()), inputs);
  for (size_t i = 0; i < feeds.size() && i < runner.inputs().size(); ++i)
    if (runner.inputs()[i].dtype == DType::kBFloat16 && feeds[i].dtype == DType::kUint16) feeds[i].dtype = DType::kBFloat16;
  return feeds;
}

/// The case's own inputs (every test_data_set_K/input_*.pb) as calibration data in the layout
/// `--calibration-data` reads (DIR/set_K/input_<i>.npy, i = the model input's index): index and
/// mask inputs then keep values the model accepts (a GatherElements index in range), and float
/// ranges are those of the data the references were made with. "" when any set is not plain
/// tensors for every input, or an input is bfloat16 (then quantize falls back to seeded random input).
std::string WriteCalibrationSets(const std::string& model_dir, const Model& model, const std::string& dir) {
  const std::vector<std::string> names = InputNames(model.Inputs());
  if (names.empty()) return "";
  for (const auto& in : model.Inputs())
    if (in.dtype == DType::kBFloat16) return "";  // .npy has no bfloat16: qbench's own input
  int sets = 0;
  try {
    for (; Exists(model_dir + "/test_data_set_" + std::to_string(sets)); ++sets) {
      const auto feeds = Feeds(names, ReadTensors(model_dir, "input", sets));
      const std::string set_dir = dir + "/set_" + std::to_string(sets);
      ::mkdir(dir.c_str(), 0755);
      ::mkdir(set_dir.c_str(), 0755);
      for (size_t i = 0; i < feeds.size(); ++i) WriteNpy(set_dir + "/input_" + std::to_string(i) + ".npy", feeds[i]);
    }
  } catch (const std::exception&) {
    return "";
  }
  return sets > 0 ? dir : "";
}

bool IsFloat(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16 || t == DType::kBFloat16;
}

/// Values as float; float16 (IEEE binary16) and bfloat16 decoded here, the rest by HostTensor.
std::vector<float> AsFloat(const HostTensor& t) {
  if (t.dtype != DType::kFloat16 && t.dtype != DType::kBFloat16) return t.ToFloatVector();
  std::vector<float> out(static_cast<size_t>(t.num_elements()));
  const auto* h = t.data<std::uint16_t>();
  for (size_t i = 0; i < out.size(); ++i) {
    std::uint32_t bits;
    if (t.dtype == DType::kBFloat16) {
      bits = static_cast<std::uint32_t>(h[i]) << 16;
    } else {
      std::uint32_t sign = (h[i] & 0x8000u) << 16, exp = (h[i] >> 10) & 0x1f, man = h[i] & 0x3ff;
      if (exp == 0) {  // zero or subnormal: man · 2^-24
        float v = std::ldexp(static_cast<float>(man), -24);
        std::memcpy(&bits, &v, 4);
        bits |= sign;
      } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
      } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
      }
    }
    std::memcpy(&out[i], &bits, 4);
  }
  return out;
}

}  // namespace

double Sqnr(const std::vector<float>& ref, const std::vector<float>& got) {
  if (ref.size() != got.size()) return -1e9;
  double s = 0, n = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double r = ref[i], d = static_cast<double>(got[i]) - r;
    if (!std::isfinite(r)) continue;
    s += r * r;
    n += d * d;
  }
  if (n == 0) return 200.0;            // identical
  if (s == 0) return -200.0;           // reference all zero, output not
  return 10.0 * std::log10(s / n);
}

std::string Family(const onnx::ModelProto& m) {
  bool rnn = false, conv = false, linear = false;
  for (const auto& n : m.graph().node()) {
    const std::string& op = n.op_type();
    rnn |= op == "LSTM" || op == "GRU" || op == "RNN";
    conv |= op == "Conv" || op == "ConvTranspose";
    linear |= op == "Gemm" || op == "MatMul";
  }
  return rnn ? "rnn" : conv ? "conv" : linear ? "linear" : "other";
}

std::string RawOrtLine(const std::string& stderr_text) {
  static const std::regex raw(R"(\x1b\[|\[[EWIV]:onnxruntime|onnxruntime::|/onnxruntime/|\w\.(cc|cpp|h):\d+)");
  std::istringstream in(stderr_text);
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, raw)) return line;
  return "";
}

std::vector<std::string> ErrorLines(const std::string& stderr_text) {
  std::vector<std::string> lines;
  std::istringstream in(stderr_text);
  bool in_error = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("qbench: error:", 0) == 0) {
      lines.push_back(line);
      in_error = true;
    } else if (in_error && !line.empty() && line[0] != '[' && line.rfind("qbench:", 0) != 0) {
      lines.push_back(line);  // a continuation of the error message: a multi-line error
    }
  }
  return lines;
}

std::string RefusalReason(const std::string& message) {
  static const std::vector<std::pair<std::regex, std::string>> table = {
      // ORT itself refuses the model (a missing kernel, an unsupported attribute): not qbench's assumption.
      {std::regex(R"(no ONNX Runtime kernel|ONNX Runtime (failed|cannot load|refuses)|not a registered function)",
                  std::regex::icase),
       "ORT cannot run the model"},
      // Running the model on generated calibration values failed (e.g. an index out of a table's range).
      {std::regex(R"(calibration batch \d+ .* failed)", std::regex::icase), "generated values rejected by the model"},
      {std::regex(R"(opset|ir version|ir_version|version convert)", std::regex::icase), "opset"},
      {std::regex(R"(not a tensor|string tensor)", std::regex::icase), "non-tensor or string I/O"},
      {std::regex(R"(batch|symbolic dim|--dim|--shape|dynamic shape|input shape|unknown dim|concrete shape)",
                  std::regex::icase),
       "input-shape"},
      {std::regex(R"(already quantized|quantized model|qdq)", std::regex::icase), "already quantized"},
      {std::regex(R"(float16|fp16|double|float64|bfloat)", std::regex::icase), "non-fp32 float"},
      {std::regex(R"(string|sequence|map|optional)", std::regex::icase), "non-tensor or string I/O"},
      {std::regex(R"(nothing to quantize|no quantizable|no node)", std::regex::icase), "nothing to quantize"},
      {std::regex(R"(training)", std::regex::icase), "training-mode op"},
      {std::regex(R"(domain|custom op|unknown op|not a registered)", std::regex::icase), "unsupported op/domain"},
      {std::regex(R"(no float input|integer input|bool input|input type)", std::regex::icase), "input dtype"},
  };
  for (const auto& [re, name] : table)
    if (std::regex_search(message, re)) return name;
  return "other";
}

CaseResult RunCase(const std::string& model_dir, const std::string& work_dir, const std::string& qbench,
                   int timeout_s) {
  CaseResult r;
  r.model = model_dir;
  std::string model_path = model_dir + "/model.onnx";
  std::vector<std::pair<std::string, HostTensor>> inputs, refs;
  SessionConfig cfg;
  cfg.intra_op_threads = 1;
  std::vector<HostTensor> fp32_out;
  bool have_refs = false;  // input_*.pb and output_*.pb are plain tensors: outputs can be compared
  std::string calibration;
  try {
    Model m = LoadModel(model_path);
    r.family = Family(m.proto);
    calibration = WriteCalibrationSets(model_dir, m, work_dir + "/calibration");
    try {
      inputs = ReadTensors(model_dir, "input");
      refs = ReadTensors(model_dir, "output");
      have_refs = !refs.empty();
    } catch (const std::exception& e) {
      r.fp32_status = "test data not tensors";
    }
    if (r.fp32_status.empty()) {
      auto runner = OrtRunner::Create(m, cfg);
      try {
        fp32_out = runner->Run(Feeds(*runner, inputs));
        r.fp32_status = "ok";
      } catch (const std::exception& e) {
        // The model loads but its own test data does not fit its declared inputs (castlike's
        // 'like' is stored as [1] for a [3,4] input): nothing to compare the quantized model on.
        r.fp32_status = "test data does not fit the model";
        r.fp32_error = e.what();
        have_refs = false;
      }
    }
  } catch (const std::exception& e) {
    r.fp32_status = "not runnable in ORT";
    r.fp32_error = e.what();
  }
  for (const std::string mode : {"dynamic", "static"}) {
    ModeResult mr;
    mr.mode = mode;
    std::string out = work_dir + "/" + mode + ".onnx";
    std::string err = work_dir + "/" + mode + ".stderr";
    std::string cmd = "timeout -s KILL " + std::to_string(timeout_s) + " '" + qbench + "' quantize '" + model_path +
                      "' -o '" + out + "' --mode " + mode + " --calibration-size 4 --threads 1" +
                      (mode == "static" && !calibration.empty() ? " --calibration-data '" + calibration + "'" : "") +
                      " >/dev/null 2>'" + err + "' </dev/null";
    int status = std::system(cmd.c_str());
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::string stderr_text = Slurp(err);
    mr.exit_code = code;
    std::string raw = RawOrtLine(stderr_text);
    auto errors = ErrorLines(stderr_text);
    if (code == 137 || code == 124) {
      mr.outcome = "FAIL";
      mr.detail = "hang: no answer in " + std::to_string(timeout_s) + " s";
    } else if (code >= 128 || (code != 0 && code != 1 && code != 2)) {
      mr.outcome = "FAIL";
      mr.detail = "crash: exit " + std::to_string(code);
    } else if (!raw.empty()) {
      mr.outcome = "FAIL";
      mr.detail = "raw ONNX Runtime text on stderr: " + raw.substr(0, 200);
    } else if (code != 0) {
      if (errors.size() != 1) {
        mr.outcome = "FAIL";
        mr.detail = errors.empty() ? "exit " + std::to_string(code) + " without a 'qbench: error:' line"
                                   : "multi-line error: " + errors[0].substr(0, 200);
      } else {
        mr.message = errors[0].substr(std::string("qbench: error: ").size());
        mr.reason = RefusalReason(mr.message);
        if (Exists(out)) {
          mr.outcome = "FAIL";
          mr.detail = "refused but left a file at the destination";
        } else if (mr.reason == "opset" || mr.reason == "input-shape") {
          mr.outcome = "FAIL";
          mr.detail = "refused because of an " + mr.reason + " assumption: " + mr.message.substr(0, 200);
        } else {
          mr.outcome = "refused";
        }
      }
    } else if (!Exists(out)) {
      mr.outcome = "FAIL";
      mr.detail = "exit 0 but no output file";
    } else if (r.fp32_status != "ok" && !have_refs) {
      mr.outcome = "quantized";  // nothing to compare with
    } else {
      try {
        Model q = LoadModel(out);
        auto runner = OrtRunner::Create(q, cfg);
        auto got = runner->Run(Feeds(*runner, inputs));
        mr.outcome = "runnable";
        // fp32 not runnable in ORT as given (an opset below 7): the reference outputs alone.
        const bool fp32_ran = r.fp32_status == "ok";
        const size_t expected = fp32_ran ? fp32_out.size() : refs.size();
        if (got.size() != expected) {
          mr.outcome = "FAIL";
          mr.detail = "output count changed: " + std::to_string(expected) + " -> " + std::to_string(got.size());
        }
        double worst = 200;
        for (size_t i = 0; i < got.size() && mr.outcome != "FAIL"; ++i) {
          // The reference output_i.pb where it decodes to fp32's dtype and shape, else fp32's own output.
          const bool pb = i < refs.size() && (!fp32_ran || (refs[i].second.dtype == fp32_out[i].dtype &&
                                                            refs[i].second.shape == fp32_out[i].shape));
          const HostTensor& ref = pb ? refs[i].second : fp32_out[i];
          if (got[i].shape != ref.shape || got[i].dtype != ref.dtype) {
            mr.outcome = "FAIL";
            mr.detail = "output " + std::to_string(i) + " changed shape or dtype";
            break;
          }
          if (!IsFloat(ref.dtype)) {
            if (got[i].bytes != ref.bytes) mr.integer_outputs_differ = true;
            continue;
          }
          worst = std::min(worst, Sqnr(AsFloat(ref), AsFloat(got[i])));
        }
        mr.sqnr_db = worst;
      } catch (const std::exception& e) {
        mr.outcome = "FAIL";
        mr.detail = std::string("exit 0 but ONNX Runtime cannot run the output: ") + e.what();
      }
    }
    if (mr.outcome == "FAIL") {
      std::string keep = out + ".kept";
      if (Exists(out)) std::rename(out.c_str(), keep.c_str());
    } else {
      std::remove(out.c_str());
    }
    r.modes.push_back(mr);
  }
  return r;
}

nlohmann::json ToJson(const CaseResult& r) {
  nlohmann::json j = {{"model", r.model}, {"family", r.family}, {"fp32", r.fp32_status}, {"fp32_error", r.fp32_error}};
  for (const auto& m : r.modes)
    j["modes"].push_back({{"mode", m.mode},           {"exit", m.exit_code},   {"outcome", m.outcome},
                          {"reason", m.reason},       {"message", m.message},  {"detail", m.detail},
                          {"sqnr_db", m.sqnr_db},     {"integer_outputs_differ", m.integer_outputs_differ}});
  return j;
}

CaseResult FromJson(const nlohmann::json& j) {
  CaseResult r;
  r.model = j.value("model", "");
  r.family = j.value("family", "");
  r.fp32_status = j.value("fp32", "");
  r.fp32_error = j.value("fp32_error", "");
  for (const auto& m : j.value("modes", nlohmann::json::array())) {
    ModeResult mr;
    mr.mode = m.value("mode", "");
    mr.exit_code = m.value("exit", -1);
    mr.outcome = m.value("outcome", "");
    mr.reason = m.value("reason", "");
    mr.message = m.value("message", "");
    mr.detail = m.value("detail", "");
    mr.sqnr_db = m.contains("sqnr_db") && m["sqnr_db"].is_number() ? m["sqnr_db"].get<double>() : std::nan("");
    mr.integer_outputs_differ = m.value("integer_outputs_differ", false);
    r.modes.push_back(mr);
  }
  return r;
}

}  // namespace qbench::corpus
