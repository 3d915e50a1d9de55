// Whether ONNX Runtime's u8·s8 integer kernels are exact on this CPU (OrtU8S8KernelsSaturate),
// and whether a quantized model relies on them (UsesU8S8Kernels).
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/kernel_probe.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/runtime/runner.h"
#include "quantization/graph_util.h"
#include "quantization/scheme_util.h"

namespace qbench {

bool OrtU8S8KernelsSaturate() {
  static std::once_flag once;
  static bool saturates = false;
  std::call_once(once, [] {
    // A [16,16]·[16,16] MatMulInteger with every activation 255 and weights alternating 120, 127:
    // each output is 255·(120 + 127)·8 = 503,880 exactly, but a pair 255·120 + 255·127 = 62,985
    // exceeds int16, so a kernel that adds product pairs in int16 (x86 VPMADDUBSW) gives less.
    GraphBuilder b("u8s8_probe", 13);
    b.AddInput("a", DType::kUint8, {16, 16});
    b.AddOutput("y", DType::kInt32, {16, 16});
    HostTensor w = HostTensor::Zeros(DType::kInt8, {16, 16});
    HostTensor a = HostTensor::Zeros(DType::kUint8, {16, 16});
    for (int i = 0; i < 256; ++i) {
      w.data<std::int8_t>()[i] = static_cast<std::int8_t>((i / 16) % 2 ? 127 : 120);  // alternate along K
      a.data<std::uint8_t>()[i] = 255;
    }
    b.AddTensorInitializer("w", w);
    b.AddNode("MatMulInteger", "mm", {"a", "w"}, {"y"});
    SessionConfig c;
    c.intra_op_threads = 1;
    try {
      const HostTensor y = OrtRunner::Create(b.Build(), c)->Run({a})[0];
      saturates = y.data<std::int32_t>()[0] != 255 * (120 + 127) * 8;
    } catch (const std::exception&) {
      saturates = false;  // cannot tell: say nothing rather than a false alarm
    }
  });
  return saturates;
}

namespace quant_internal {

bool UsesU8S8Kernels(const Model& quantized, DType activation_type) {
  // Weights may live in an enclosing graph; names are unique across scopes, so one set serves all.
  // Only int8 weights beyond [-64, 64] can saturate: 2·255·64 = 32640 fits in int16 (7-bit
  // weights, WeightRange::kReduced, are ORT's reduce_range remedy). A weight read only by depthwise
  // Convs runs MLAS's depthwise kernel, which never saturates (RunsDepthwiseKernel).
  std::map<std::string, std::vector<std::int64_t>> int8;  // wide int8 weights → their shapes
  std::set<std::string> uint8;  // the zero points that make a QOperator input u8
  std::function<void(const onnx::GraphProto&)> collect = [&](const onnx::GraphProto& g) {
    for (const auto& t : g.initializer()) {
      if (t.data_type() == static_cast<int>(DType::kUint8)) uint8.insert(t.name());
      if (t.data_type() != static_cast<int>(DType::kInt8)) continue;
      const HostTensor v = TensorFromProto(t);
      for (std::int64_t i = 0; i < v.num_elements(); ++i)
        if (std::abs(int(v.data<std::int8_t>()[i])) > 64) {
          int8[t.name()] = v.shape;
          break;
        }
    }
    for (const auto& n : g.node())
      for (const onnx::GraphProto* sub : Subgraphs(n)) collect(*sub);
  };
  std::function<bool(const onnx::GraphProto&)> uses = [&](const onnx::GraphProto& g) {
    std::map<std::string, std::vector<const onnx::NodeProto*>> readers;
    for (const auto& n : g.node())
      for (const auto& in : n.input()) readers[in].push_back(&n);
    auto depthwise_only = [&](const std::string& dq_output, const std::vector<std::int64_t>& shape) {
      const auto it = readers.find(dq_output);
      if (it == readers.end()) return false;
      for (const onnx::NodeProto* r : it->second)
        if (!RunsDepthwiseKernel(*r, shape)) return false;
      return true;
    };
    for (const auto& n : g.node()) {
      const std::string& op = n.op_type();
      if ((op == "MatMulInteger" || op == "ConvInteger") && n.input_size() > 1 && int8.count(n.input(1))) return true;
      if (op == "DynamicQuantizeLSTM" && n.input_size() > 2 && (int8.count(n.input(1)) || int8.count(n.input(2))))
        return true;  // int8 W/R, u8 activations
      if (op == "DequantizeLinear" && activation_type == DType::kUint8 && int8.count(n.input(0)) &&
          !depthwise_only(n.output(0), int8.at(n.input(0))))
        return true;
      // QOperator (a file made elsewhere): input zero point u8 (input 2), weight int8 (input 3).
      if ((op == "QLinearConv" || op == "QLinearMatMul") && n.input_size() > 3 && uint8.count(n.input(2)) &&
          int8.count(n.input(3)) && !RunsDepthwiseKernel(n, int8.at(n.input(3))))
        return true;
      for (const onnx::GraphProto* sub : Subgraphs(n))
        if (uses(*sub)) return true;
    }
    return false;
  };
  collect(quantized.proto.graph());
  return uses(quantized.proto.graph());
}

}  // namespace quant_internal
bool FileUsesU8S8Kernels(const Model& model) {
  // Activations are u8 when a QuantizeLinear writes u8 (its zero point's type), as ORT's QDQ files do.
  std::set<std::string> uint8;
  for (const auto& t : model.proto.graph().initializer())
    if (t.data_type() == static_cast<int>(DType::kUint8)) uint8.insert(t.name());
  DType activations = DType::kInt8;
  for (const auto& n : model.proto.graph().node())
    if (n.op_type() == "QuantizeLinear" && n.input_size() > 2 && uint8.count(n.input(2))) activations = DType::kUint8;
  return quant_internal::UsesU8S8Kernels(model, activations);
}

std::string U8S8SaturationNote(const Model& model) {
  if (!(FileUsesU8S8Kernels(model) && OrtU8S8KernelsSaturate())) return "";
  return "it runs u8 activations against int8 weights beyond [-64, 64], and this CPU's ONNX Runtime u8 x s8 kernels "
         "saturate (x86 AVX2 without VNNI adds pairs of products in int16): its accuracy here can be lower than on a "
         "CPU with VNNI (docs/quantized_graphs.md)";
}

}  // namespace qbench
