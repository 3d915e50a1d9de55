#include "zoo/zoo_net.h"

#include <cmath>

#include "qbench/core/error.h"

namespace qbench::zoo_internal {

namespace {
// The calibration batch: one seeded standard-normal image (its size is set per architecture).
constexpr int kCalibrationBatch = 1;
// A channel's mean comes from its own n samples with weight n / (n + kShrinkSamples) and from the
// layer's average for the rest (shrinkage: a few samples give a noisy mean). The variance is the
// layer's (average within-channel variance, from C·n samples): dividing each channel by its own
// noisy variance would overestimate the gain on average (E[1/v̂] > 1/v, Jensen's inequality), and
// that bias compounds through fifty layers.
constexpr double kShrinkSamples = 16;
// BatchNorm-like target of each normalised channel: gamma = exp(kLogGammaStd · z), beta =
// kBetaStd · z' (z, z' standard normal), so channel ranges and ReLU sparsity differ per channel
// as in trained networks (and pooled features differ between channels).
constexpr double kLogGammaStd = 0.25;
constexpr double kBetaStd = 0.3;
}  // namespace

std::uint64_t Rng::Next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

namespace {
// Tables of the 128-layer ziggurat for the standard normal (Marsaglia & Tsang 2000, "The Ziggurat
// Method for Generating Random Variables", J. Stat. Software 5(8): zigset), in double precision.
struct Ziggurat {
  std::uint32_t kn[128];
  double wn[128], fn[128];
  Ziggurat() {
    const double m1 = 2147483648.0, vn = 9.91256303526217e-3;
    double dn = 3.442619855899, tn = dn;
    const double q = vn / std::exp(-0.5 * dn * dn);
    kn[0] = static_cast<std::uint32_t>((dn / q) * m1);
    kn[1] = 0;
    wn[0] = q / m1;
    wn[127] = dn / m1;
    fn[0] = 1.0;
    fn[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
      kn[i + 1] = static_cast<std::uint32_t>((dn / tn) * m1);
      tn = dn;
      fn[i] = std::exp(-0.5 * dn * dn);
      wn[i] = dn / m1;
    }
  }
};
const Ziggurat& ZigguratTables() {
  static const Ziggurat z;
  return z;
}
}  // namespace

double Rng::Normal() {
  // One 64-bit draw per try: the high 32 bits give the signed abscissa, 7 low bits the layer (kept
  // apart, unlike the original SHR3 version whose layer bits were also the abscissa's low bits).
  const Ziggurat& z = ZigguratTables();
  for (;;) {
    const std::uint64_t r = Next();
    const auto hz = static_cast<std::int32_t>(static_cast<std::uint32_t>(r >> 32));
    const int iz = static_cast<int>(r & 127);
    const double x = hz * z.wn[iz];
    const std::uint32_t mag = hz < 0 ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(hz)) : static_cast<std::uint32_t>(hz);
    if (mag < z.kn[iz]) return x;  // inside the layer's rectangle: ~98.8 % of the draws
    if (iz == 0) {                 // the tail beyond r = 3.442620 (Marsaglia 1964)
      const double tail_r = 3.442619855899;
      double tx, ty;
      do {
        tx = -std::log(1.0 - Uniform()) / tail_r;
        ty = -std::log(1.0 - Uniform());
      } while (ty + ty < tx * tx);
      return hz > 0 ? tail_r + tx : -tail_r - tx;
    }
    if (z.fn[iz] + Uniform() * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) return x;  // wedge
  }
}

std::uint64_t LayerSeed(std::uint64_t seed, const std::string& name) {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a 64
  for (unsigned char ch : name) {
    h ^= ch;
    h *= 0x100000001B3ULL;
  }
  Rng rng(seed ^ (h * 0x9E3779B97F4A7C15ULL));
  return rng.Next();
}

int MakeDivisible(double v, int divisor) {
  int new_v = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (new_v < 0.9 * v) new_v += divisor;
  return new_v;
}

ZooNet::ZooNet(const std::string& name, const ZooOptions& options, bool with_weights, int calibration_size)
    : name_(name), options_(options), with_weights_(with_weights), calibration_size_(calibration_size), builder_(name, 13) {}

std::string ZooNet::NodeName(const std::string& path, const std::string& op) {
  std::string n = "/" + path + "/" + op;
  if (!node_names_.insert(n).second) throw Error(ErrorCode::kRuntime, "zoo " + name_ + ": node name '" + n + "' used twice");
  return n;
}

std::string ZooNet::AddNode(const std::string& op, const std::string& path, const std::vector<std::string>& inputs,
                            const std::vector<Attribute>& attributes) {
  const std::string node = NodeName(path, op);
  return builder_.AddNode(op, node, inputs, {node + "_output_0"}, attributes);
}

std::string ZooNet::AddScalarConstant(const std::string& path, const std::string& suffix, float value) {
  const std::string out = AddNode(suffix, path, {});
  auto* node = builder_.graph()->mutable_node(builder_.graph()->node_size() - 1);
  node->set_op_type("Constant");
  auto* attr = node->add_attribute();
  attr->set_name("value");
  attr->set_type(onnx::AttributeProto::TENSOR);
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {});
  *t.data<float>() = value;
  FillTensorProto("", t, attr->mutable_t());
  return out;
}

void ZooNet::AddInitializer(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& values) {
  initializers_.emplace_back();
  onnx::TensorProto& t = initializers_.back();
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t.add_dims(d);
  t.mutable_raw_data()->assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

std::vector<float> ZooNet::HeNormal(const std::string& path, std::int64_t count, std::int64_t fan_in) const {
  Rng rng(LayerSeed(options_.seed, path + ".weight"));
  const double std = std::sqrt(2.0 / static_cast<double>(fan_in));
  std::vector<float> w(static_cast<size_t>(count));
  for (auto& v : w) v = static_cast<float>(rng.Normal() * std);
  return w;
}

void ZooNet::Normalize(const std::string& path, bool per_tensor, bool random_affine, double gamma_scale, Act& y,
                       std::vector<float>& weight, std::vector<float>& bias) const {
  const int c = y.c;
  const std::int64_t plane = y.plane(), n_samples = static_cast<std::int64_t>(y.n) * plane;
  std::vector<double> mean(c, 0.0), var(c, 0.0);
  for (int ch = 0; ch < c; ++ch) {
    double s = 0, ss = 0;
    for (int n = 0; n < y.n; ++n) {
      const float* p = y.v.data() + (static_cast<std::int64_t>(n) * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) s += p[i];
    }
    mean[ch] = s / static_cast<double>(n_samples);
    for (int n = 0; n < y.n; ++n) {
      const float* p = y.v.data() + (static_cast<std::int64_t>(n) * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) ss += (p[i] - mean[ch]) * (p[i] - mean[ch]);
    }
    var[ch] = ss / static_cast<double>(n_samples);
  }
  double layer_mean = 0, layer_var = 0;  // mean of channel means, mean of within-channel variances
  for (int ch = 0; ch < c; ++ch) layer_mean += mean[ch] / c;
  for (int ch = 0; ch < c; ++ch) layer_var += var[ch] / c;
  if (per_tensor) {  // variance over every element: within-channel plus between-channel parts
    double between = 0;
    for (int ch = 0; ch < c; ++ch) between += (mean[ch] - layer_mean) * (mean[ch] - layer_mean) / c;
    layer_var += between;
  }
  const double shrink = static_cast<double>(n_samples) / (static_cast<double>(n_samples) + kShrinkSamples);
  const double eps = 1e-3 * layer_var + 1e-12;
  Rng rng(LayerSeed(options_.seed, path + ".affine"));
  const std::int64_t row = static_cast<std::int64_t>(weight.size()) / c;
  bias.assign(static_cast<size_t>(c), 0.0f);
  for (int ch = 0; ch < c; ++ch) {
    const double gamma = gamma_scale * (random_affine ? std::exp(kLogGammaStd * rng.Normal()) : 1.0);
    const double beta = kBetaStd * rng.Normal();
    const double m = per_tensor ? layer_mean : shrink * mean[ch] + (1 - shrink) * layer_mean;
    const double scale = gamma / std::sqrt(layer_var + eps);
    const double shift = beta - m * scale;
    for (std::int64_t i = 0; i < row; ++i) weight[ch * row + i] = static_cast<float>(weight[ch * row + i] * scale);
    bias[ch] = static_cast<float>(shift);
    for (int n = 0; n < y.n; ++n) {
      float* p = y.v.data() + (static_cast<std::int64_t>(n) * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) p[i] = static_cast<float>(p[i] * scale + shift);
    }
  }
}

Value ZooNet::Input() {
  builder_.AddInput("input", DType::kFloat32, {"N", 3, "H", "W"});
  Value v;
  v.name = "input";
  v.c = 3;
  v.h = v.w = options_.input_size;
  if (with_weights_) {
    Rng rng(LayerSeed(options_.seed, "calibration_input"));
    v.act.n = kCalibrationBatch;
    v.act.c = 3;
    v.act.h = v.act.w = calibration_size_;
    v.act.v.resize(static_cast<size_t>(kCalibrationBatch) * 3 * calibration_size_ * calibration_size_);
    for (auto& x : v.act.v) x = static_cast<float>(rng.Normal());
  }
  return v;
}

namespace {
std::vector<Attribute> ConvAttributes(int groups, int kernel, int pad, int stride) {
  return {AttrInts("dilations", {1, 1}), AttrInt("group", groups), AttrInts("kernel_shape", {kernel, kernel}),
          AttrInts("pads", {pad, pad, pad, pad}), AttrInts("strides", {stride, stride})};
}
}  // namespace

Value ZooNet::ConvBn(const Value& x, const std::string& path, int cout, int kernel, int stride, int groups, Activation act,
                     double gamma_scale) {
  stats_.torchvision_params += 2 * cout;  // BatchNorm weight and bias (the conv has no bias)
  const Value y = Conv(x, path, cout, kernel, stride, (kernel - 1) / 2, groups, /*per_tensor=*/false,
                       /*random_affine=*/true, gamma_scale);
  return Activate(y, path, act);
}

Value ZooNet::ConvBias(const Value& x, const std::string& path, int cout, int kernel, int stride, int pad, bool per_tensor) {
  stats_.torchvision_params += cout;  // the conv's bias
  return Conv(x, path, cout, kernel, stride, pad, 1, per_tensor, /*random_affine=*/!per_tensor, 1.0);
}

Value ZooNet::Conv(const Value& x, const std::string& path, int cout, int kernel, int stride, int pad, int groups,
                   bool per_tensor, bool random_affine, double gamma_scale) {
  const std::int64_t w_count = static_cast<std::int64_t>(cout) * (x.c / groups) * kernel * kernel;
  Value y;
  y.c = cout;
  y.h = WindowOutputSize(x.h, kernel, stride, pad);
  y.w = WindowOutputSize(x.w, kernel, stride, pad);
  stats_.macs += w_count * y.h * y.w;
  stats_.activation_elements += static_cast<std::int64_t>(cout) * y.h * y.w;
  stats_.torchvision_params += w_count;
  stats_.initializer_elements += w_count + cout;  // conv weight + (folded) bias
  if (with_weights_) {
    std::vector<float> w = HeNormal(path, w_count, w_count / cout), b;
    y.act = Conv2d(x.act, w.data(), cout, kernel, stride, pad, groups);
    Normalize(path, per_tensor, random_affine, gamma_scale, y.act, w, b);
    AddInitializer(path + ".weight", {cout, x.c / groups, kernel, kernel}, w);
    AddInitializer(path + ".bias", {cout}, b);
  }
  y.name = AddNode("Conv", path, {x.name, path + ".weight", path + ".bias"}, ConvAttributes(groups, kernel, pad, stride));
  return y;
}

Value ZooNet::Gemm(const Value& x, const std::string& path, int out_features) {
  const std::int64_t w_count = static_cast<std::int64_t>(out_features) * x.c;
  Value y;
  y.c = out_features;
  y.h = y.w = 1;
  stats_.macs += w_count;
  stats_.activation_elements += out_features;
  stats_.torchvision_params += w_count + out_features;
  stats_.initializer_elements += w_count + out_features;
  if (with_weights_) {
    std::vector<float> w = HeNormal(path, w_count, x.c), b;
    y.act = Linear(x.act, w.data(), out_features);
    Normalize(path, /*per_tensor=*/true, /*random_affine=*/false, 1.0, y.act, w, b);
    AddInitializer(path + ".weight", {out_features, x.c}, w);
    AddInitializer(path + ".bias", {out_features}, b);
  }
  y.name = AddNode("Gemm", path, {x.name, path + ".weight", path + ".bias"},
                   {AttrFloat("alpha", 1.0f), AttrFloat("beta", 1.0f), AttrInt("transB", 1)});
  return y;
}

Value ZooNet::Activate(const Value& x, const std::string& path, Activation act) {
  Value y = x;
  switch (act) {
    case Activation::kNone:
      return y;
    case Activation::kRelu:
      y.name = AddNode("Relu", path, {x.name});
      if (with_weights_) ReluInPlace(y.act);
      return y;
    case Activation::kRelu6: {  // torch exports ReLU6 as Clip with Constant min 0 and max 6
      const std::string lo = AddScalarConstant(path, "Constant", 0.0f);
      const std::string hi = AddScalarConstant(path, "Constant_1", 6.0f);
      y.name = AddNode("Clip", path, {x.name, lo, hi});
      if (with_weights_) Relu6InPlace(y.act);
      return y;
    }
    case Activation::kHardSigmoid:
      y.name = AddNode("HardSigmoid", path, {x.name}, {AttrFloat("alpha", 1.0f / 6.0f)});
      if (with_weights_) HardSigmoidInPlace(y.act);
      return y;
    case Activation::kHardSwish: {  // opset 13 has no HardSwish: torch exports x · HardSigmoid(x)
      const Value gate = Activate(x, path, Activation::kHardSigmoid);
      return Mul(x, gate, path);
    }
  }
  return y;
}

Value ZooNet::Add(const Value& a, const Value& b, const std::string& path) {
  Value y = a;
  y.name = AddNode("Add", path, {a.name, b.name});
  if (with_weights_) y.act = AddAct(a.act, b.act);
  return y;
}

Value ZooNet::Mul(const Value& a, const Value& b, const std::string& path) {
  const bool a_full = a.h * a.w >= b.h * b.w;
  Value y = a_full ? a : b;
  y.name = AddNode("Mul", path, {a.name, b.name});
  if (with_weights_) y.act = a_full ? MulAct(a.act, b.act) : MulAct(b.act, a.act);
  return y;
}

Value ZooNet::MaxPool(const Value& x, const std::string& path, int kernel, int stride, int pad, bool ceil_mode) {
  Value y = x;
  y.h = WindowOutputSize(x.h, kernel, stride, pad, ceil_mode);
  y.w = WindowOutputSize(x.w, kernel, stride, pad, ceil_mode);
  y.name = AddNode("MaxPool", path, {x.name},
                   {AttrInt("ceil_mode", ceil_mode ? 1 : 0), AttrInts("kernel_shape", {kernel, kernel}),
                    AttrInts("pads", {pad, pad, pad, pad}), AttrInts("strides", {stride, stride})});
  if (with_weights_) y.act = MaxPool2d(x.act, kernel, stride, pad, ceil_mode);
  return y;
}

Value ZooNet::GlobalAveragePool(const Value& x, const std::string& path) {
  Value y = x;
  y.h = y.w = 1;
  y.name = AddNode("GlobalAveragePool", path, {x.name});
  if (with_weights_) y.act = zoo_internal::GlobalAveragePool(x.act);
  return y;
}

Value ZooNet::Concat(const Value& a, const Value& b, const std::string& path) {
  Value y = a;
  y.c = a.c + b.c;
  y.name = AddNode("Concat", path, {a.name, b.name}, {AttrInt("axis", 1)});
  if (with_weights_) y.act = ConcatChannels(a.act, b.act);
  return y;
}

Value ZooNet::Flatten(const Value& x, const std::string& path) {
  Value y = x;
  y.c = static_cast<int>(x.c * x.h * x.w);
  y.h = y.w = 1;
  y.name = AddNode("Flatten", path, {x.name}, {AttrInt("axis", 1)});
  if (with_weights_) {
    y.act.c = y.c;
    y.act.h = y.act.w = 1;
  }
  return y;
}

Value ZooNet::SqueezeExcitation(const Value& x, const std::string& path, int squeeze_channels) {
  Value s = GlobalAveragePool(x, path + ".avgpool");
  s = ConvBias(s, path + ".fc1", squeeze_channels, 1, 1, 0, /*per_tensor=*/true);
  s = Activate(s, path + ".activation", Activation::kRelu);
  s = ConvBias(s, path + ".fc2", x.c, 1, 1, 0, /*per_tensor=*/true);
  s = Activate(s, path + ".scale_activation", Activation::kHardSigmoid);
  return Mul(s, x, path);
}

Model ZooNet::Finish(const Value& logits) {
  auto* graph = builder_.graph();
  for (int i = graph->node_size() - 1; i >= 0; --i) {
    auto* node = graph->mutable_node(i);
    if (node->output_size() > 0 && node->output(0) == logits.name) {
      node->set_output(0, "logits");
      break;
    }
  }
  builder_.AddOutput("logits", DType::kFloat32, {"N", options_.num_classes});
  Model model = builder_.Build();  // the graph without weights: a cheap copy
  auto* inits = model.proto.mutable_graph()->mutable_initializer();
  inits->Reserve(static_cast<int>(initializers_.size()));
  for (auto& t : initializers_) *inits->Add() = std::move(t);  // protobuf moves swap: no copy of the bytes
  initializers_.clear();
  model.proto.set_doc_string("qbench zoo model '" + name_ + "': torchvision layout, BatchNorm folded, seeded weights "
                             "calibrated to unit-scale activations (not trained)");
  auto add_meta = [&](const std::string& key, const std::string& value) {
    auto* p = model.proto.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  };
  add_meta(kZooNameKey, name_);
  add_meta(kZooSeedKey, std::to_string(options_.seed));
  add_meta(kZooInputSizeKey, std::to_string(options_.input_size));
  add_meta(kTorchvisionParamsKey, std::to_string(stats_.torchvision_params));
  return model;
}

}  // namespace qbench::zoo_internal
