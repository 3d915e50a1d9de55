// ModelRecord's coverage report is typed (lab/results.h): the quantizer's QuantizeReport for qbench's
// variants, ExternalFileCoverage for --compare-file files. Lines written by the older code (the
// report as a JSON blob) load into the typed fields with their values; a round trip keeps every
// field and the exact keys; the external-variants section of report.md reads the fields.
#include <gtest/gtest.h>

#include "qbench/core/error.h"
#include "qbench/lab/results.h"
#include "qbench/quantization/quantize_report_json.h"
#include "qbench/report/device_report.h"

namespace qbench {
namespace {

using nlohmann::json;

// A quantized variant's line as the older code wrote it (QuantizeReportToJson without "nodes").
const char* kOldQuantizedLine = R"J({"record":"model","status":"ok","model":"net","model_spec":"zoo:net","variant":"static",
 "error":"","file":"out/net_static.onnx","file_size_bytes":1000,"params":250,"macs_per_sample":5000,"macs_complete":true,
 "content":"int8 QDQ","weight_bytes_by_dtype":{"int8":250},"original_bits":32,"weight_precision":"int8",
 "activation_precision":"uint8 (static)","op_coverage":{"Conv":{"quantized":2,"kept_float":1}},"int8_mac_share":0.75,
 "quantize_ms":12.5,"calibration":"random, 16 samples","verification":null,"external":false,"placement":null,"warnings":[],
 "coverage_report":{"scheme":"static","weights":"s8 symmetric","weight_range":"reduced","weight_range_reason":"7-bit weights",
  "activations":"u8 asymmetric","hygiene":["folded 1 BatchNormalization"],"calibration":"minmax","calibrated_tensors":7,
  "bias_scale_adjustments":2,"size_before_bytes":4000,"size_after_bytes":1000,"size_ratio":0.25,"notes":["a note"],
  "by_op_type":[{"op_type":"Conv","quantized":2,"kept_float":1,"reasons":["excluded"]}],
  "runtime":{"analyzed":true,"note":"","graph_optimization":"extended","op_histogram":{"QLinearConv":2,"Conv":1},
   "int8_macs":3000,"float_macs":1000,"unknown_mac_nodes":1,"int8_mac_share":0.75,"float_mac_nodes":["c3 (Conv): 1000 MACs"]},
  "warnings":[{"code":"u8s8_saturation","message":"m"}]}})J";

// An external file's line as the older code wrote it.
const char* kOldExternalLine = R"J({"record":"model","status":"ok","model":"net","model_spec":"zoo:net","variant":"theirs",
 "error":"","file":"/x/theirs.onnx","file_size_bytes":2097152,"params":250,"macs_per_sample":5000,"macs_complete":true,
 "content":"int8 QOperator","weight_bytes_by_dtype":{"int8":250},"original_bits":32,"weight_precision":"int8",
 "activation_precision":"uint8","op_coverage":{},"int8_mac_share":0.42,"quantize_ms":0,"calibration":"",
 "verification":null,"external":true,"placement":null,"warnings":[],
 "coverage_report":{"file_content":"int8 QOperator","u8s8_saturation":true,
  "after_ort_optimization":{"content":"int8 QOperator","graph_optimization":"extended","int8_ops":{"QLinearConv":3,"QGemm":1},
   "int8_mac_share":0.42,"int8_macs":420,"float_macs":580,"float_mac_nodes":["fc (Gemm): 580 MACs"]}}})J";

TEST(CoverageRecord, AnOldQuantizedVariantLineLoadsIntoTheQuantizersReport) {
  const json line = json::parse(kOldQuantizedLine);
  const ModelRecord r = ModelRecordFromJson(line);
  ASSERT_TRUE(r.has_coverage_report);
  EXPECT_FALSE(r.has_file_coverage);
  const QuantizeReport& c = r.coverage_report;
  EXPECT_EQ(c.scheme, "static");
  EXPECT_EQ(c.weight_range, "reduced");
  EXPECT_EQ(c.weight_range_reason, "7-bit weights");
  EXPECT_EQ(c.hygiene, std::vector<std::string>{"folded 1 BatchNormalization"});
  EXPECT_EQ(c.calibrated_tensors, 7);
  EXPECT_EQ(c.bias_scale_adjustments, 2);
  EXPECT_EQ(c.size_before_bytes, 4000u);
  EXPECT_EQ(c.size_after_bytes, 1000u);
  ASSERT_EQ(c.by_op_type.size(), 1u);
  EXPECT_EQ(c.by_op_type[0].op_type, "Conv");
  EXPECT_EQ(c.by_op_type[0].quantized, 2);
  EXPECT_EQ(c.by_op_type[0].kept_float, 1);
  EXPECT_EQ(c.by_op_type[0].reasons, std::vector<std::string>{"excluded"});
  EXPECT_TRUE(c.runtime.analyzed);
  EXPECT_EQ(c.runtime.op_histogram.at("QLinearConv"), 2);
  EXPECT_EQ(c.runtime.int8_macs, 3000);
  EXPECT_EQ(c.runtime.float_macs, 1000);
  EXPECT_EQ(c.runtime.unknown_mac_nodes, 1);
  EXPECT_DOUBLE_EQ(c.runtime.int8_mac_share, 0.75);
  EXPECT_EQ(c.runtime.float_mac_nodes, std::vector<std::string>{"c3 (Conv): 1000 MACs"});
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].code, "u8s8_saturation");
  EXPECT_TRUE(c.nodes.empty());
  // Written back: the same object, key for key (size_ratio derived, no "nodes").
  EXPECT_EQ(ToJson(r)["coverage_report"], line["coverage_report"]);
  EXPECT_EQ(ToJson(r).dump(), ToJson(ModelRecordFromJson(ToJson(r))).dump());
}

TEST(CoverageRecord, AnOldExternalLineLoadsIntoTheFilesFactsAndReportsThem) {
  const json line = json::parse(kOldExternalLine);
  const ModelRecord r = ModelRecordFromJson(line);
  ASSERT_TRUE(r.has_file_coverage);
  EXPECT_FALSE(r.has_coverage_report);
  const ExternalFileCoverage& c = r.file_coverage;
  EXPECT_EQ(c.file_content, "int8 QOperator");
  EXPECT_TRUE(c.u8s8_saturation);
  ASSERT_TRUE(c.analyzed);
  const OptimizedGraphContent& a = c.after_ort_optimization;
  EXPECT_EQ(a.graph_optimization, "extended");
  EXPECT_EQ(a.int8_ops.at("QLinearConv"), 3);
  EXPECT_EQ(a.int8_ops.at("QGemm"), 1);
  EXPECT_DOUBLE_EQ(a.int8_mac_share, 0.42);
  EXPECT_EQ(a.int8_macs, 420);
  EXPECT_EQ(a.float_macs, 580);
  EXPECT_EQ(a.float_mac_nodes, std::vector<std::string>{"fc (Gemm): 580 MACs"});
  EXPECT_EQ(ToJson(r)["coverage_report"], line["coverage_report"]);

  LabStudy study;
  study.models.push_back(r);
  const std::string md = ExternalVariantsMarkdown(study);
  EXPECT_NE(md.find("`/x/theirs.onnx`, 2.00 MiB; the file holds **int8 QOperator**; after ONNX Runtime's optimization "
                    "(extended): int8 QOperator, int8 ops QGemm ×1, QLinearConv ×3, 42.0 % of MACs in int8."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("u8·s8 kernels saturate"), std::string::npos) << md;

  // Without the runtime analysis the key is absent, the flag false: no sentence for either.
  json older = line;
  older["coverage_report"].erase("after_ort_optimization");
  older["coverage_report"]["u8s8_saturation"] = false;
  const ModelRecord o = ModelRecordFromJson(older);
  EXPECT_FALSE(o.file_coverage.analyzed);
  EXPECT_EQ(ToJson(o)["coverage_report"], older["coverage_report"]);
  study.models = {o};
  const std::string plain = ExternalVariantsMarkdown(study);
  EXPECT_EQ(plain.find("after ONNX Runtime"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("saturate"), std::string::npos) << plain;
}

TEST(CoverageRecord, Fp32HasNoReportAndWritesNull) {
  ModelRecord r;
  r.ok = true, r.model = "net", r.variant = "fp32";
  const json j = ToJson(r);
  ASSERT_TRUE(j.contains("coverage_report"));
  EXPECT_TRUE(j["coverage_report"].is_null());
  const ModelRecord back = ModelRecordFromJson(j);
  EXPECT_FALSE(back.has_coverage_report);
  EXPECT_FALSE(back.has_file_coverage);
}

TEST(CoverageRecord, TheQuantizersReportRoundTripsEveryFieldWithItsNodes) {
  QuantizeReport q;
  q.scheme = "dynamic", q.weights = "s8", q.activations = "u8 dynamic", q.weight_range = "full";
  q.weight_range_reason = "VNNI", q.hygiene = {"h1", "h2"}, q.calibrated_tensors = 3, q.calibration = "c";
  q.bias_scale_adjustments = 1, q.notes = {"n"}, q.size_before_bytes = 800, q.size_after_bytes = 200;
  q.nodes = {{"conv1", "Conv", true, "QDQ s8 per-channel axis 0", ""}, {"#3", "Softmax", false, "", "no int8 kernel"}};
  SummarizeCoverage(&q);
  q.runtime.analyzed = false, q.runtime.note = "no session", q.runtime.graph_optimization = "basic";
  q.warnings = {{"w", "what to try"}};
  const std::string text = QuantizeReportToJson(q);
  const json j = json::parse(text);
  EXPECT_DOUBLE_EQ(j["size_ratio"].get<double>(), 0.25);
  EXPECT_EQ(j["nodes"][0]["how"], "QDQ s8 per-channel axis 0");
  EXPECT_FALSE(j["nodes"][0].contains("reason"));
  EXPECT_EQ(j["nodes"][1]["reason"], "no int8 kernel");
  EXPECT_FALSE(j["nodes"][1].contains("how"));
  const QuantizeReport b = QuantizeReportFromJson(text);
  EXPECT_EQ(QuantizeReportToJson(b), text);
  ASSERT_EQ(b.nodes.size(), 2u);
  EXPECT_EQ(b.nodes[1].name, "#3");
  EXPECT_FALSE(b.nodes[1].quantized);
  EXPECT_EQ(b.nodes[1].reason, "no int8 kernel");
  ASSERT_EQ(b.by_op_type.size(), 2u);
  EXPECT_EQ(b.runtime.note, "no session");
  EXPECT_EQ(b.warnings[0].message, "what to try");
  EXPECT_THROW(QuantizeReportFromJson(R"({"calibrated_tensors": "seven"})"), Error);
}

}  // namespace
}  // namespace qbench
