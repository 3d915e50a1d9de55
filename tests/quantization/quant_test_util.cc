#include "quant_test_util.h"

#include <algorithm>
#include <stdexcept>

#include "qbench/model/graph_builder.h"

namespace qbench::testing {

CalibrationTable MinMaxTable(const Model& model, const std::vector<HostTensor>& feeds) {
  Model m = model;
  auto* g = m.proto.mutable_graph();
  std::vector<std::string> names;
  for (const auto& n : g->node())
    for (const auto& o : n.output())
      if (!o.empty()) names.push_back(o);
  g->clear_output();
  g->clear_value_info();
  for (const auto& name : names) {
    auto* o = g->add_output();
    o->set_name(name);  // type left unset: ORT infers it
  }
  SessionConfig c;
  c.intra_op_threads = 1;
  c.graph_optimization = "disable";
  auto runner = OrtRunner::Create(m, c);
  const auto outs = runner->Run(feeds);
  CalibrationTable table;
  auto add = [&](const std::string& name, const HostTensor& t) {
    if (t.dtype != DType::kFloat32 || t.num_elements() == 0) return;
    const float* v = t.data<float>();
    TensorRange r{v[0], v[0]};
    for (std::int64_t i = 0; i < t.num_elements(); ++i) {
      r.min = std::min(r.min, v[i]);
      r.max = std::max(r.max, v[i]);
    }
    table[name] = r;
  };
  for (size_t i = 0; i < outs.size(); ++i) add(runner->outputs()[i].name, outs[i]);
  const auto inputs = model.Inputs();
  for (size_t i = 0; i < inputs.size() && i < feeds.size(); ++i) add(inputs[i].name, feeds[i]);
  return table;
}

std::map<std::string, int> OpCounts(const Model& model) {
  std::map<std::string, int> counts;
  for (const auto& n : model.proto.graph().node())
    counts[n.domain().empty() ? n.op_type() : n.domain() + "." + n.op_type()]++;
  return counts;
}

std::vector<double> PerChannelSqnrDb(const std::vector<float>& ref, const std::vector<float>& test,
                                     const std::vector<std::int64_t>& shape, int axis) {
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  const std::int64_t channels = shape[static_cast<size_t>(axis)];
  std::vector<double> out;
  for (std::int64_t c = 0; c < channels; ++c) {
    std::vector<float> r, t;
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t i = 0; i < inner; ++i) {
        const auto k = static_cast<size_t>((o * channels + c) * inner + i);
        r.push_back(ref[k]);
        t.push_back(test[k]);
      }
    out.push_back(SqnrDb(r, t));
  }
  return out;
}

HostTensor InitializerTensor(const Model& model, const std::string& name) {
  for (const auto& t : model.proto.graph().initializer())
    if (t.name() == name) return TensorFromProto(t);
  throw std::runtime_error("no initializer '" + name + "'");
}

const onnx::NodeProto* ProducerOf(const Model& model, const std::string& tensor) {
  for (const auto& n : model.proto.graph().node())
    for (const auto& o : n.output())
      if (o == tensor) return &n;
  return nullptr;
}

const onnx::NodeProto* NodeNamed(const Model& model, const std::string& name) {
  for (const auto& n : model.proto.graph().node())
    if (n.name() == name) return &n;
  return nullptr;
}

HostTensor DequantizeNodeOutput(const Model& model, const onnx::NodeProto& dq) {
  const HostTensor q = InitializerTensor(model, dq.input(0));
  const HostTensor s = InitializerTensor(model, dq.input(1));
  std::vector<float> scales(s.data<float>(), s.data<float>() + s.num_elements());
  std::vector<std::int32_t> zps(scales.size(), 0);
  if (dq.input_size() > 2 && !dq.input(2).empty()) {
    const HostTensor z = InitializerTensor(model, dq.input(2));
    for (size_t i = 0; i < zps.size(); ++i) {
      switch (z.dtype) {
        case DType::kInt8: zps[i] = z.data<std::int8_t>()[i]; break;
        case DType::kUint8: zps[i] = z.data<std::uint8_t>()[i]; break;
        case DType::kInt32: zps[i] = z.data<std::int32_t>()[i]; break;
        default: throw std::runtime_error("zero point dtype");
      }
    }
  }
  int axis = -1;
  if (scales.size() > 1) {
    axis = 1;
    for (const auto& a : dq.attribute())
      if (a.name() == "axis") axis = static_cast<int>(a.i());
  }
  return DequantizeTensor(q, scales, zps, axis);
}

}  // namespace qbench::testing
