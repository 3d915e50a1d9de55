// Seeded random benchmark inputs, with integer ranges derived from how the graph consumes each input.
#include "qbench/runtime/inputs.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <set>

#include "qbench/core/error.h"
#include "qbench/core/random.h"
#include "qbench/model/graph_builder.h"

namespace qbench {
namespace {

std::uint64_t Fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

bool IsInteger(DType t) {
  switch (t) {
    case DType::kUint8: case DType::kInt8: case DType::kUint16: case DType::kInt16: case DType::kInt32:
    case DType::kInt64: case DType::kUint32: case DType::kUint64:
      return true;
    default:
      return false;
  }
}

// [min, max] representable by an integer dtype, clipped to int64.
std::pair<std::int64_t, std::int64_t> DTypeLimits(DType t) {
  switch (t) {
    case DType::kUint8: return {0, 255};
    case DType::kInt8: return {-128, 127};
    case DType::kUint16: return {0, 65535};
    case DType::kInt16: return {-32768, 32767};
    case DType::kInt32: return {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()};
    case DType::kUint32: return {0, std::numeric_limits<std::uint32_t>::max()};
    case DType::kUint64: return {0, std::numeric_limits<std::int64_t>::max()};
    default: return {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
  }
}

std::int64_t IntAttr(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.i();
  return fallback;
}

std::string NodeLabel(const onnx::NodeProto& node) {
  return node.op_type() + " '" + (node.name().empty() ? node.output_size() ? node.output(0) : "?" : node.name()) + "'";
}

// Ops whose output holds (a rearrangement or subset of) the values of the tracked input, so an index
// range carries through; the integer is the input index that carries the values (-1: any input).
// Values an integer size input (Pad's pads, Tile's repeats, ConstantOfShape's shape) takes: [0, 3].
constexpr std::int64_t kSizeInputValues = 4;

const std::map<std::string, int>& PassThroughOps() {
  static const std::map<std::string, int> k = {
      {"Cast", 0},     {"Identity", 0}, {"Reshape", 0}, {"Flatten", 0}, {"Squeeze", 0}, {"Unsqueeze", 0},
      {"Expand", 0},   {"Tile", 0},     {"Transpose", 0}, {"Slice", 0},  {"Concat", -1}};
  return k;
}

}  // namespace

IntegerRange InferIntegerRange(const Model& model, const std::string& input_name) {
  const auto inputs = model.Inputs();
  const auto it = std::find_if(inputs.begin(), inputs.end(), [&](const TensorInfo& t) { return t.name == input_name; });
  if (it == inputs.end()) {
    std::string names;
    for (const auto& t : inputs) names += (names.empty() ? "" : ", ") + t.name;
    throw Error(ErrorCode::kNotFound, "'" + input_name + "' is not an input of the model; its inputs: " + names);
  }
  const auto& g = model.proto.graph();
  const auto constants = ConstantTensors(g);
  std::multimap<std::string, std::pair<const onnx::NodeProto*, int>> consumers;
  for (const auto& n : g.node())
    for (int i = 0; i < n.input_size(); ++i) consumers.emplace(n.input(i), std::make_pair(&n, i));

  IntegerRange range;
  bool derived = false;
  auto intersect = [&](std::int64_t rows, const std::string& source) {
    if (rows < 1) return;
    if (!derived) {
      range = {0, rows - 1, source};
      derived = true;
    } else {
      range.high = std::min(range.high, rows - 1);
      range.source += "; " + source;
    }
  };
  std::set<std::string> seen = {input_name};
  std::deque<std::string> queue = {input_name};
  while (!queue.empty()) {
    const std::string tensor = queue.front();
    queue.pop_front();
    auto [b, e] = consumers.equal_range(tensor);
    for (auto c = b; c != e; ++c) {
      const onnx::NodeProto& node = *c->second.first;
      const int slot = c->second.second;
      const std::string& op = node.op_type();
      if ((op == "Gather" || op == "GatherElements") && slot == 1) {
        const auto data = constants.find(node.input(0));
        if (data == constants.end()) continue;
        const auto& dims = data->second->dims();
        std::int64_t axis = IntAttr(node, "axis", 0);
        if (axis < 0) axis += dims.size();
        if (axis < 0 || axis >= dims.size()) continue;
        intersect(dims[static_cast<int>(axis)], NodeLabel(node) + " indices over " + std::to_string(dims[static_cast<int>(axis)]) +
                                                    " entries of '" + node.input(0) + "'");
      } else if (op == "OneHot" && slot == 0 && node.input_size() > 1) {
        const auto depth = constants.find(node.input(1));
        if (depth == constants.end()) continue;
        try {
          const auto v = TensorFromProto(*depth->second).ToFloatVector();
          if (v.size() == 1) intersect(static_cast<std::int64_t>(v[0]), NodeLabel(node) + " depth " + std::to_string(static_cast<std::int64_t>(v[0])));
        } catch (const Error&) {
        }
      } else if ((op == "Pad" && slot == 1) || (op == "Tile" && slot == 1) || (op == "ConstantOfShape" && slot == 0)) {
        // Sizes: each unit of a pad, a repeat or a shape entry multiplies or extends an output, so
        // [0, 99] would make outputs of billions of elements (ONNX's test_constant_pad: 6 GB).
        const char* what = op == "Pad" ? "pads" : op == "Tile" ? "repeats" : "shape";
        intersect(kSizeInputValues, NodeLabel(node) + " " + what + ", kept small");
      } else {
        const auto pass = PassThroughOps().find(op);
        if (pass == PassThroughOps().end() || (pass->second >= 0 && pass->second != slot)) continue;
        if (node.output_size() > 0 && seen.insert(node.output(0)).second) queue.push_back(node.output(0));
      }
    }
  }
  if (!derived) range = {0, 99, "default"};
  const auto limits = DTypeLimits(it->dtype);
  range.low = std::max(range.low, limits.first);
  range.high = std::min(range.high, limits.second);
  return range;
}

namespace {

std::uint16_t FloatToBFloat16(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  x += 0x7fffu + ((x >> 16) & 1);  // round to nearest even (finite inputs only: ours are)
  return static_cast<std::uint16_t>(x >> 16);
}

// True when the input's name says it is a mask ("attention_mask", "padding_mask", "MaskIn"), any case.
bool IsMaskName(const std::string& name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("mask") != std::string::npos;
}

// A padding mask: along the last axis (a scalar is one row of length 1), each row holds k ones then
// zeros, k uniform in [1, row length] — at least one position per row is attended, as in a batch of
// right-padded sequences (an all-zero row would make a masked softmax divide by zero).
void FillPaddingMask(HostTensor& t, SplitMix64& rng) {
  const std::int64_t row = t.shape.empty() ? 1 : t.shape.back();
  const std::int64_t count = t.num_elements();
  const std::size_t size = DTypeSize(t.dtype);
  for (std::int64_t start = 0; row > 0 && start < count; start += row) {
    const std::int64_t ones = 1 + static_cast<std::int64_t>(rng.Below(static_cast<std::uint64_t>(row)));
    for (std::int64_t i = 0; i < ones; ++i) {
      std::uint8_t* p = t.bytes.data() + static_cast<std::size_t>(start + i) * size;
      switch (t.dtype) {
        case DType::kFloat32: { const float one = 1.0f; std::memcpy(p, &one, 4); break; }
        case DType::kFloat64: { const double one = 1.0; std::memcpy(p, &one, 8); break; }
        case DType::kFloat16: { const std::uint16_t one = 0x3c00; std::memcpy(p, &one, 2); break; }
        case DType::kBFloat16: { const std::uint16_t one = 0x3f80; std::memcpy(p, &one, 2); break; }
        default: p[0] = 1; break;  // bool and every integer type: 1 in the lowest byte (little-endian)
      }
    }
  }
}

template <typename T>
void FillInts(HostTensor& t, SplitMix64& rng, const IntegerRange& r) {
  const std::uint64_t span = static_cast<std::uint64_t>(r.high) - static_cast<std::uint64_t>(r.low) + 1;
  T* p = t.data<T>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i)
    p[i] = static_cast<T>(r.low + static_cast<std::int64_t>(span == 0 ? rng.Next() : rng.Below(span)));
}

}  // namespace

std::vector<GeneratedInput> GenerateInputs(const Model& model, const std::vector<TensorInfo>& inputs,
                                           const InputOptions& options) {
  const auto graph_inputs = model.Inputs();
  std::vector<GeneratedInput> out;
  for (const TensorInfo& info : inputs) {
    const auto gi = std::find_if(graph_inputs.begin(), graph_inputs.end(),
                                 [&](const TensorInfo& t) { return t.name == info.name; });
    if (gi == graph_inputs.end()) {
      std::string names;
      for (const auto& t : graph_inputs) names += (names.empty() ? "" : ", ") + t.name;
      throw Error(ErrorCode::kNotFound, "cannot generate data for '" + info.name +
                                            "': not an input to feed (initializers are never fed); inputs: " + names);
    }
    // A declared 0 is a real, empty dimension (e.g. ReduceSum's optional 'axes' fed as []): generated as such.
    for (size_t d = 0; d < info.shape.size(); ++d)
      if (info.shape[d] < 0)
        throw Error(ErrorCode::kInvalidArgument, "input '" + info.name + "' has dimension " + std::to_string(d) + " = " +
                                                     std::to_string(info.shape[d]) +
                                                     "; give a concrete shape (--shape, --dim or --batch)");
    GeneratedInput g;
    g.info = info;
    const DType dtype = info.dtype;
    if (dtype == DType::kString || dtype == DType::kUndefined || DTypeSize(dtype) == 0)
      throw Error(ErrorCode::kUnsupported, "input '" + info.name + "' has dtype " + DTypeName(dtype) +
                                               ", for which qbench cannot generate random data");
    g.tensor = HostTensor::Zeros(dtype, info.shape);
    SplitMix64 rng{options.seed ^ Fnv1a(info.name)};
    HostTensor& t = g.tensor;
    const std::int64_t count = t.num_elements();
    const bool is_float =
        dtype == DType::kFloat32 || dtype == DType::kFloat64 || dtype == DType::kFloat16 || dtype == DType::kBFloat16;
    IntegerRange range;
    if (IsInteger(dtype)) range = InferIntegerRange(model, info.name);
    if (IsMaskName(info.name) && (is_float || dtype == DType::kBool || (IsInteger(dtype) && range.source == "default"))) {
      g.distribution = "padding mask 0/1 (per row along the last axis: 1 to all positions 1, the rest 0)";
      FillPaddingMask(t, rng);
    } else if (is_float) {
      g.distribution = "normal(0,1)";
      for (std::int64_t i = 0; i < count; i += 2) {
        // Box–Muller: two independent N(0,1) from two uniforms; 1 - Unit() is in (0, 1], so log is finite.
        const double radius = std::sqrt(-2.0 * std::log(1.0 - rng.Unit()));
        const double angle = 2 * M_PI * rng.Unit();
        const double pair[2] = {radius * std::cos(angle), radius * std::sin(angle)};
        for (int k = 0; k < 2 && i + k < count; ++k) {
          const double v = pair[k];
          switch (dtype) {
            case DType::kFloat32: t.data<float>()[i + k] = static_cast<float>(v); break;
            case DType::kFloat64: t.data<double>()[i + k] = v; break;
            case DType::kFloat16: t.data<std::uint16_t>()[i + k] = FloatToHalf(static_cast<float>(v)); break;
            default: t.data<std::uint16_t>()[i + k] = FloatToBFloat16(static_cast<float>(v)); break;
          }
        }
      }
    } else if (dtype == DType::kBool) {
      g.distribution = "bernoulli(0.5)";
      for (std::int64_t i = 0; i < count; ++i) t.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(rng.Next() >> 63);
    } else if (IsInteger(dtype)) {
      const IntegerRange& r = range;
      g.distribution = "uniform integers [" + std::to_string(r.low) + ", " + std::to_string(r.high) + "] (" +
                       (r.source == "default" ? std::string("default range") : "from " + r.source) + ")";
      switch (dtype) {
        case DType::kUint8: FillInts<std::uint8_t>(t, rng, r); break;
        case DType::kInt8: FillInts<std::int8_t>(t, rng, r); break;
        case DType::kUint16: FillInts<std::uint16_t>(t, rng, r); break;
        case DType::kInt16: FillInts<std::int16_t>(t, rng, r); break;
        case DType::kInt32: FillInts<std::int32_t>(t, rng, r); break;
        case DType::kUint32: FillInts<std::uint32_t>(t, rng, r); break;
        case DType::kUint64: FillInts<std::uint64_t>(t, rng, r); break;
        default: FillInts<std::int64_t>(t, rng, r); break;
      }
    } else {
      throw Error(ErrorCode::kUnsupported, "input '" + info.name + "' has dtype " + DTypeName(dtype) +
                                               ", for which qbench cannot generate random data");
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<HostTensor> FeedsInOrder(const std::vector<GeneratedInput>& generated,
                                     const std::vector<TensorInfo>& runner_inputs) {
  std::vector<HostTensor> feeds;
  for (const auto& ri : runner_inputs) {
    const auto it = std::find_if(generated.begin(), generated.end(),
                                 [&](const GeneratedInput& g) { return g.info.name == ri.name; });
    if (it == generated.end())
      throw Error(ErrorCode::kNotFound, "no data generated for session input '" + ri.name + "'");
    feeds.push_back(it->tensor);
  }
  return feeds;
}

}  // namespace qbench
