#include "quant_test_util.h"

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"

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

namespace {

void ForEachGraph(onnx::GraphProto* g, const std::function<void(onnx::GraphProto*)>& f) {
  f(g);
  for (auto& n : *g->mutable_node())
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) ForEachGraph(a.mutable_g(), f);
      for (auto& sub : *a.mutable_graphs()) ForEachGraph(&sub, f);
    }
}

}  // namespace

Model WithUnsignedIntegerWeights(const Model& model) {
  Model out = model;
  std::set<std::string> names;
  std::map<std::string, std::string> dq_scale;  // DQ'd int8 weight without zero point → its scale
  ForEachGraph(out.proto.mutable_graph(), [&](onnx::GraphProto* g) {
    std::set<std::string> int8_inits;
    for (const auto& t : g->initializer())
      if (t.data_type() == static_cast<int>(DType::kInt8)) int8_inits.insert(t.name());
    for (auto& n : *g->mutable_node()) {
      if ((n.op_type() == "MatMulInteger" || n.op_type() == "ConvInteger") && n.input_size() >= 4) {
        names.insert(n.input(1));
        names.insert(n.input(3));
      } else if (n.op_type() == "DequantizeLinear" && int8_inits.count(n.input(0))) {
        names.insert(n.input(0));
        if (n.input_size() > 2 && !n.input(2).empty()) {
          names.insert(n.input(2));
        } else {  // explicit zero point 128 (uint8), same shape as the scale
          for (const auto& t : g->initializer())
            if (t.name() == n.input(1)) {
              const HostTensor s = TensorFromProto(t);
              HostTensor zp = HostTensor::Zeros(DType::kUint8, s.shape);
              for (auto& byte : zp.bytes) byte = 128;
              const std::string zp_name = n.input(0) + "_u8_zero_point";
              if (n.input_size() < 3) n.add_input(zp_name);
              else n.set_input(2, zp_name);
              FillTensorProto(zp_name, zp, g->add_initializer());
              break;
            }
        }
      }
    }
  });
  ForEachGraph(out.proto.mutable_graph(), [&](onnx::GraphProto* g) {
    for (auto& t : *g->mutable_initializer()) {
      if (!names.count(t.name()) || t.data_type() != static_cast<int>(DType::kInt8)) continue;
      HostTensor v = TensorFromProto(t);
      HostTensor u = HostTensor::Zeros(DType::kUint8, v.shape);
      for (std::int64_t i = 0; i < v.num_elements(); ++i) u.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(v.data<std::int8_t>()[i] + 128);
      const std::string name = t.name();  // FillTensorProto clears t first
      FillTensorProto(name, u, &t);
    }
  });
  return out;
}

bool U8S8KernelSaturates() { return OrtU8S8KernelsSaturate(); }

double OutputSqnrDb(const Model& ref, const Model& test, const std::vector<HostTensor>& feeds, size_t k) {
  return SqnrDb(RunModel(ref, feeds).at(k).ToFloatVector(), RunModel(test, feeds).at(k).ToFloatVector());
}

void ExpectQuantizedSqnr(const Model& ref, const Model& test, const std::vector<HostTensor>& feeds, size_t k, double bound) {
  const Model exact_copy = WithUnsignedIntegerWeights(test);
  const double exact = OutputSqnrDb(ref, exact_copy, feeds, k);
  EXPECT_GE(exact, bound) << "output " << k;
  // A file written with u8 weights (--weight-range auto on a CPU without VNNI) is its own exact copy.
  if (exact_copy.proto.SerializeAsString() == test.proto.SerializeAsString()) return;
  const double as_written = OutputSqnrDb(ref, test, feeds, k);
  if (!U8S8KernelSaturates()) {
    EXPECT_GE(as_written, bound) << "output " << k;
  } else {  // reported, not asserted: the shortfall is this CPU's kernel, not the quantized model
    std::cerr << "[ note     ] output " << k << ": " << as_written << " dB as written (this CPU's u8s8 kernel saturates), "
              << exact << " dB with exact integer products\n";
  }
}

std::string FullCheckError(const Model& model) {
  try {
    onnx::ModelProto copy = model.proto;
    onnx::checker::check_model(copy);
    onnx::ShapeInferenceOptions options(/*check_type=*/true, /*error_mode=*/1, /*data_prop=*/false);
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
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
