#include "qbench/model/int8_storage.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/model/graph_builder.h"

namespace qbench {
namespace {

bool DefaultOrMs(const onnx::NodeProto& n) {
  return n.domain().empty() || n.domain() == "ai.onnx" || n.domain() == "com.microsoft";
}

// The integer values of an int8/uint8 tensor; empty when they cannot be read.
std::vector<int> IntValues(const onnx::TensorProto& t) {
  try {
    const HostTensor h = TensorFromProto(t);
    std::vector<int> v(static_cast<std::size_t>(h.num_elements()));
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = h.dtype == DType::kInt8 ? static_cast<int>(h.data<std::int8_t>()[i]) : static_cast<int>(h.data<std::uint8_t>()[i]);
    return v;
  } catch (const std::exception&) {
    return {};
  }
}

std::int64_t Elements(const onnx::TensorProto& t) {
  std::int64_t n = 1;
  for (auto d : t.dims()) n *= std::max<std::int64_t>(d, 0);
  return n;
}

}  // namespace

const char* Int8WeightForm(const onnx::TensorProto& w, const onnx::TensorProto* zp) {
  const bool u8 = w.data_type() == onnx::TensorProto::UINT8;
  std::vector<int> zps = zp ? IntValues(*zp) : std::vector<int>{};
  if (zps.empty()) zps.push_back(0);
  if (u8) return std::all_of(zps.begin(), zps.end(), [](int z) { return z == 128; }) ? kWeightsU8ZeroPoint128 : kWeightsU8Asymmetric;
  if (!std::all_of(zps.begin(), zps.end(), [](int z) { return z == 0; })) return kWeightsS8Asymmetric;
  int largest = 0;
  for (int v : IntValues(w)) largest = std::max(largest, std::abs(v));
  return largest > 0 && largest <= 64 ? kWeightsS8Reduced : kWeightsS8Symmetric;
}

namespace {

// (weight input, its zero-point input) of the ops that read a quantized weight directly.
std::vector<std::pair<int, int>> WeightInputs(const std::string& op) {
  if (op == "DequantizeLinear") return {{0, 2}};
  if (op == "QLinearConv" || op == "QLinearMatMul" || op == "QGemm") return {{3, 5}};
  if (op == "ConvInteger" || op == "MatMulInteger") return {{1, 3}};
  if (op == "DynamicQuantizeMatMul") return {{1, 3}};
  if (op == "MatMulIntegerToFloat") return {{1, 5}};
  if (op == "DynamicQuantizeLSTM") return {{1, 9}, {2, 11}};  // W, R with W_zero_point, R_zero_point
  return {};
}

bool IsDynamicActivationOp(const std::string& op) {
  return op == "DynamicQuantizeLinear" || op == "DynamicQuantizeMatMul" || op == "MatMulIntegerToFloat" ||
         op == "DynamicQuantizeLSTM";
}

}  // namespace

Int8Storage ReadInt8Storage(const onnx::GraphProto& graph) {
  Int8Storage s;
  const auto consts = ConstantTensors(graph);
  auto find = [&](const onnx::NodeProto& n, int i) -> const onnx::TensorProto* {
    if (i < 0 || i >= n.input_size() || n.input(i).empty()) return nullptr;
    auto it = consts.find(n.input(i));
    return it == consts.end() ? nullptr : it->second;
  };
  for (const auto& n : graph.node()) {
    if (!DefaultOrMs(n)) continue;
    const std::string& op = n.op_type();
    for (const auto& [wi, zi] : WeightInputs(op)) {
      const onnx::TensorProto* w = find(n, wi);
      if (!w || (w->data_type() != onnx::TensorProto::INT8 && w->data_type() != onnx::TensorProto::UINT8)) continue;
      s.weight_elements[Int8WeightForm(*w, find(n, zi))] += Elements(*w);
    }
    if (IsDynamicActivationOp(op)) ++s.dynamic_activation_ops;
    int zp_input = -1;
    if (op == "QuantizeLinear" || op == "QLinearConv" || op == "QLinearMatMul" || op == "QGemm") zp_input = 2;
    if (zp_input < 0) continue;
    int dtype = onnx::TensorProto::UINT8;  // QuantizeLinear without a zero point: uint8 (ONNX)
    if (zp_input < n.input_size() && !n.input(zp_input).empty()) {
      const onnx::TensorProto* zp = find(n, zp_input);
      if (!zp) continue;  // a zero point computed at run time: its dtype is not in the file's constants
      dtype = zp->data_type();
    } else if (op != "QuantizeLinear") {
      continue;
    } else {
      for (const auto& a : n.attribute())
        if (a.name() == "output_dtype" && a.i() != 0) dtype = static_cast<int>(a.i());
    }
    if (dtype == onnx::TensorProto::UINT8) ++s.static_activations["u8"];
    else if (dtype == onnx::TensorProto::INT8) ++s.static_activations["s8"];
  }
  return s;
}

std::string Int8Storage::WeightsLabel() const {
  std::vector<std::pair<std::string, std::int64_t>> forms(weight_elements.begin(), weight_elements.end());
  std::stable_sort(forms.begin(), forms.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& f : forms) out += (out.empty() ? "" : " + ") + f.first;
  return out;
}

std::string Int8Storage::ActivationsLabel() const {
  std::string dtypes;
  for (const char* t : {"u8", "s8"})
    if (static_activations.count(t)) dtypes += (dtypes.empty() ? "" : " + ") + std::string(t);
  if (dtypes.empty()) return dynamic_activation_ops > 0 ? "u8 (dynamic)" : "";
  if (dynamic_activation_ops == 0) return dtypes + " (static, in the file)";
  return (dtypes == "u8" ? dtypes : dtypes + ", u8") + " (static and dynamic, in the file)";
}

}  // namespace qbench
