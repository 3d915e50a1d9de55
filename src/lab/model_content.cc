#include "qbench/lab/model_content.h"

#include "qbench/lab/config.h"

#include <map>
#include <optional>

namespace qbench {
namespace {

// The op type without its domain ("com.microsoft.QGemm" → "QGemm").
std::string BareOp(const std::string& op) {
  const auto dot = op.rfind('.');
  return dot == std::string::npos ? op : op.substr(dot + 1);
}

bool IsQOperatorOp(const std::string& op) {
  return op.rfind("QLinear", 0) == 0 || op == "QGemm" || op == "QAttention" || op == "QEmbedLayerNormalization" ||
         op == "QOrderedMatMul";
}

bool IsDynamicOp(const std::string& op) {
  return op == "DynamicQuantizeLinear" || op == "ConvInteger" || op == "MatMulInteger" || op == "DynamicQuantizeMatMul" ||
         op == "MatMulIntegerToFloat" || op == "DynamicQuantizeLSTM";
}

}  // namespace

std::map<std::string, std::int64_t> IntegerOps(const std::map<std::string, int>& op_histogram) {
  std::map<std::string, std::int64_t> out;
  for (const auto& [op, n] : op_histogram)
    if (n > 0 && (IsQOperatorOp(BareOp(op)) || IsDynamicOp(BareOp(op)))) out[op] = n;
  return out;
}

ModelContent DescribeModelContent(const ModelSummary& summary) {
  bool qop = false, dyn = false, dq = false;
  for (const auto& [op_type, count] : summary.op_histogram) {
    if (count <= 0) continue;
    const std::string op = BareOp(op_type);
    qop = qop || IsQOperatorOp(op);
    dyn = dyn || IsDynamicOp(op);
    dq = dq || op == "DequantizeLinear";
  }
  ModelContent c;
  // The float dtype holding most weight bytes.
  struct FloatType {
    int bits;
    const char* label;
    std::optional<Precision> precision;
  };
  static const std::map<std::string, FloatType> kFloat = {{"float32", {32, "fp32", Precision::kFloat32}},
                                                          {"float16", {16, "fp16", Precision::kFloat16}},
                                                          {"bfloat16", {16, "bf16", std::nullopt}},
                                                          {"float64", {64, "fp64", std::nullopt}}};
  std::int64_t most = 0;
  for (const auto& [dtype, bytes] : summary.weight_bytes_by_dtype) {
    auto it = kFloat.find(dtype);
    if (it != kFloat.end() && bytes > most) {
      most = bytes;
      c.weight_bits = it->second.bits;
      c.label = c.weight_precision = c.activation_precision = it->second.label;
      c.precision = it->second.precision;
    }
  }
  std::string q;
  if (qop) q = "QOperator";
  else if (dq) q = "QDQ";
  if (dyn) q += q.empty() ? "dynamic" : " + dynamic";
  if (q.empty()) return c;
  c.quantized = true;
  c.label = "int8 " + q;
  c.weight_bits = 8;
  c.weight_precision = "int8";
  c.weight_storage = summary.int8_storage.WeightsLabel();
  c.precision = Precision::kInt8;
  c.fixed_activation_scales = qop || dq;
  // The dtype read from the file's quantizing ops (QuantizeLinear, QLinearConv, … zero points).
  c.activation_precision = summary.int8_storage.ActivationsLabel();
  if (c.activation_precision.empty())
    c.activation_precision = (qop || dq) ? (dyn ? "int8 (static and dynamic, in the file)" : "int8 (static, in the file)") : "int8 (dynamic)";
  return c;
}

const SchemeInfo* SchemeLikeContent(const ModelContent& content) {
  if (!content.precision) return nullptr;
  for (const SchemeInfo& s : QuantizationSchemes()) {
    if (s.weight_precision != *content.precision || s.activation_precision != *content.precision) continue;
    if (IsIntegerPrecision(s.activation_precision) && s.needs_calibration != content.fixed_activation_scales) continue;
    return &s;
  }
  return nullptr;
}

std::string BaselineLabel(const std::string& content, const std::string& variant) {
  const LabVariantInfo* info = LookupLabVariant(variant);
  if (info && !info->IsBaseline()) return variant;  // a scheme's variant: a file qbench made, not the file as given
  return content.empty() || content == variant ? variant : "as given (" + content + ")";
}

std::string VariantNotApplicable(const std::string& content, const std::string& variant) {
  const LabVariantInfo* info = LookupLabVariant(variant);
  if (!info || !info->scheme) return "";
  if (content.rfind("int8", 0) == 0) {
    const std::string form = content.size() > 5 ? content.substr(5) : "";
    return "already int8" + (form.empty() ? std::string() : " (" + form + ")");
  }
  // A float scheme (fp16) of a file already in its precision would make the same model again.
  const SchemeInfo& s = *info->scheme;
  if (!IsIntegerPrecision(s.weight_precision) && content == PrecisionName(s.weight_precision)) return "already " + content;
  return "";
}

}  // namespace qbench
