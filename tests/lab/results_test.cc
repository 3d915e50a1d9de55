// Results records (lab/results.h): every record type round-trips through its JSON with real values
// and the exact keys older files and readers depend on; a results.jsonl line written before the
// statistics schema was shared (std_ms, ci95_low_ms, ci95_high_ms) still loads.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "qbench/lab/results.h"
#include "test_util.h"

namespace qbench {
namespace {

using nlohmann::json;

TEST(Results, PointRoundTripsWithTheSharedStatisticsSchema) {
  PointResult p;
  p.point = SweepPoint{"resnet", "static", 4, 224, 2};
  p.model_spec = "zoo:resnet18";
  p.ok = true;
  p.samples_ms = {4, 2, 3};
  p.latency = ComputeStatistics(p.samples_ms);
  p.throughput_samples_per_s = 4 * 1000.0 / 3;
  p.session_create_ms = 12.5;
  p.first_run_ms = 7.25;
  p.peak_rss_bytes = 123456789;
  p.weights_memory_bytes = 4096;
  p.memory_method = "isolated";
  p.macs = 1800000000;
  p.achieved_macs_per_s = 6e11;
  p.has_speedup = true;
  p.baseline_variant = "fp32";
  p.speedup = 2.0, p.speedup_ci95_low = 1.9, p.speedup_ci95_high = 2.1;
  p.energy.available = true, p.energy.source = "rapl", p.energy.energy_per_inference_j = 0.04, p.energy.runs = 3;
  p.device = "laptop";
  p.shard = 1;
  const json j = ToJson(p);
  EXPECT_EQ(j["record"], "point");
  EXPECT_EQ(j["key"], "resnet|static|b4|s224|t2");
  EXPECT_EQ(j["status"], "ok");
  EXPECT_DOUBLE_EQ(j["latency_ms"]["stddev_ms"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["latency_ms"]["median_ci_low_ms"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["latency_ms"]["median_ci_level"].get<double>(), 0.75);
  EXPECT_FALSE(j["latency_ms"].contains("std_ms"));
  EXPECT_FALSE(j.contains("memory_error"));  // only when the probe failed
  const PointResult b = PointResultFromJson(json::parse(j.dump()));
  EXPECT_EQ(b.point.Key(), p.point.Key());
  EXPECT_TRUE(b.ok);
  EXPECT_EQ(b.latency.n, 3u);
  EXPECT_DOUBLE_EQ(b.latency.median_ms, 3.0);
  EXPECT_DOUBLE_EQ(b.latency.median_ci_high_ms, 4.0);
  EXPECT_DOUBLE_EQ(b.latency.p99_ms, p.latency.p99_ms);
  EXPECT_EQ(b.samples_ms, p.samples_ms);
  EXPECT_DOUBLE_EQ(b.first_run_ms, 7.25);
  EXPECT_EQ(b.peak_rss_bytes, 123456789);
  EXPECT_EQ(b.weights_memory_bytes, 4096);
  EXPECT_EQ(b.session_memory_bytes, -1);
  EXPECT_EQ(b.memory_method, "isolated");
  EXPECT_EQ(b.macs, 1800000000);
  EXPECT_TRUE(b.has_speedup);
  EXPECT_EQ(b.baseline_variant, "fp32");
  EXPECT_DOUBLE_EQ(b.speedup_ci95_high, 2.1);
  EXPECT_TRUE(b.energy.available);
  EXPECT_DOUBLE_EQ(b.energy.energy_per_inference_j, 0.04);
  EXPECT_EQ(b.device, "laptop");
  EXPECT_EQ(b.shard, 1);

  PointResult failed;
  failed.point = SweepPoint{"resnet", "fp32", 1, 224, 1};
  failed.error = "cannot run batch 1";
  const json fj = ToJson(failed);
  EXPECT_EQ(fj["status"], "failed");
  EXPECT_FALSE(fj.contains("latency_ms"));
  EXPECT_FALSE(fj.contains("speedup"));
  EXPECT_FALSE(fj.contains("shard"));
  const PointResult fb = PointResultFromJson(fj);
  EXPECT_FALSE(fb.ok);
  EXPECT_FALSE(fb.has_speedup);
  EXPECT_EQ(fb.error, "cannot run batch 1");
}

// A point line of a results.jsonl written before bench and lab shared one statistics schema.
TEST(Results, AnOlderResultsFileWithTheLabsOwnStatisticsNamesStillLoads) {
  const std::string path = testing::TempDir() + "/old_results.jsonl";
  {
    std::ofstream f(path);
    f << R"({"record": "point", "model": "m", "variant": "fp32", "batch": 1, "input_size": 32, "threads": 1,)"
      << R"( "status": "ok", "error": "", "latency_ms": {"n": 3, "mean_ms": 3.0, "std_ms": 1.0, "median_ms": 3.0,)"
      << R"( "min_ms": 2.0, "max_ms": 4.0, "p90_ms": 3.8, "ci95_low_ms": 2.0, "ci95_high_ms": 4.0,)"
      << R"( "median_ci_level": 0.75, "cv": 0.3333333333, "ci_method": "order statistics"},)"
      << R"( "samples_ms": [4, 2, 3], "throughput_samples_per_s": 333.3})" << "\n";
  }
  const JsonlRecords r = ReadResultsJsonl(path);
  EXPECT_EQ(r.skipped_lines, 0);
  ASSERT_EQ(r.points.size(), 1u);
  const Statistics& l = r.points[0].latency;
  EXPECT_EQ(l.n, 3u);
  EXPECT_DOUBLE_EQ(l.stddev_ms, 1.0);
  EXPECT_DOUBLE_EQ(l.median_ci_low_ms, 2.0);
  EXPECT_DOUBLE_EQ(l.median_ci_high_ms, 4.0);
  EXPECT_DOUBLE_EQ(l.median_ci_level, 0.75);
  EXPECT_DOUBLE_EQ(l.p90_ms, 3.8);
  EXPECT_TRUE(std::isnan(l.p99_ms));
  EXPECT_EQ(r.points[0].samples_ms, (std::vector<double>{4, 2, 3}));
}

TEST(Results, ModelAccuracyProfileAndRooflineRecordsRoundTrip) {
  ModelRecord m;
  m.model = "resnet", m.model_spec = "zoo:resnet18", m.variant = "static", m.ok = true;
  m.file = "out/resnet.static.onnx", m.file_size_bytes = 11700000, m.params = 11689512, m.macs_per_sample = 1814073344;
  m.macs_complete = false, m.content = "int8 QDQ", m.weight_bytes_by_dtype = {{"int8", 11689512}, {"float32", 38400}};
  m.original_bits = 32, m.weight_precision = "int8", m.activation_precision = "uint8 (static)";
  m.op_coverage = {{"Conv", {20, 0}}, {"Gemm", {0, 1}}};
  m.int8_mac_share = 0.93, m.quantize_ms = 1234.5, m.calibration = "random, 16 samples";
  m.external = true, m.warnings = {"w1"};
  const json mj = ToJson(m);
  EXPECT_EQ(mj["record"], "model");
  EXPECT_EQ(mj["status"], "ok");
  EXPECT_EQ(mj["op_coverage"]["Gemm"]["kept_float"], 1);
  const ModelRecord mb = ModelRecordFromJson(json::parse(mj.dump()));
  EXPECT_EQ(mb.model_spec, m.model_spec);
  EXPECT_TRUE(mb.ok);
  EXPECT_EQ(mb.file_size_bytes, 11700000);
  EXPECT_FALSE(mb.macs_complete);
  EXPECT_EQ(mb.content, "int8 QDQ");
  EXPECT_EQ(mb.weight_bytes_by_dtype, m.weight_bytes_by_dtype);
  EXPECT_EQ(mb.activation_precision, "uint8 (static)");
  ASSERT_EQ(mb.op_coverage.size(), 2u);
  EXPECT_EQ(mb.op_coverage.at("Conv").quantized, 20);
  EXPECT_EQ(mb.op_coverage.at("Gemm").kept_float, 1);
  EXPECT_DOUBLE_EQ(mb.int8_mac_share, 0.93);
  EXPECT_DOUBLE_EQ(mb.quantize_ms, 1234.5);
  EXPECT_EQ(mb.calibration, "random, 16 samples");
  EXPECT_TRUE(mb.external);
  EXPECT_EQ(mb.warnings, m.warnings);

  AccuracyRecord a;
  a.model = "resnet", a.variant = "static", a.ok = true, a.dataset = "imagenet val", a.samples = 500;
  a.top1 = 0.7, a.top1_ci95_low = 0.658, a.top1_ci95_high = 0.739, a.top5 = 0.9;
  a.top1_agreement = 0.96, a.top1_agreement_ci95_low = 0.94, a.top1_agreement_ci95_high = 0.975;
  a.num_classes = 1000;
  a.has_paired = true, a.labelled = 500, a.both_correct = 340, a.variant_only_correct = 10, a.baseline_only_correct = 15;
  a.top1_change = -0.01, a.top1_change_ci95_low = -0.03, a.top1_change_ci95_high = 0.01, a.mcnemar_p = 0.42;
  const json aj = ToJson(a);
  EXPECT_EQ(aj["record"], "accuracy");
  EXPECT_EQ(aj["paired"]["both_correct"], 340);
  EXPECT_FALSE(aj.contains("metric"));  // top1 records carry no fidelity fields
  const AccuracyRecord ab = AccuracyRecordFromJson(json::parse(aj.dump()));
  EXPECT_EQ(ab.samples, 500);
  EXPECT_DOUBLE_EQ(ab.top1_ci95_high, 0.739);
  EXPECT_DOUBLE_EQ(ab.top1_agreement, 0.96);
  EXPECT_EQ(ab.num_classes, 1000);
  EXPECT_TRUE(ab.has_paired);
  EXPECT_EQ(ab.variant_only_correct, 10);
  EXPECT_DOUBLE_EQ(ab.top1_change_ci95_low, -0.03);
  EXPECT_DOUBLE_EQ(ab.mcnemar_p, 0.42);
  AccuracyRecord f = a;
  f.has_paired = false, f.metric = "fidelity", f.sqnr_db = INFINITY, f.cosine = 1.0, f.output_sqnr_db = {{"out", 31.5}};
  const json fj = ToJson(f);
  EXPECT_TRUE(fj["paired"].is_null());
  EXPECT_TRUE(fj["sqnr_db"].is_null());  // +inf (identical outputs) is null
  const AccuracyRecord fb = AccuracyRecordFromJson(json::parse(fj.dump()));
  EXPECT_FALSE(fb.has_paired);
  EXPECT_EQ(fb.metric, "fidelity");
  EXPECT_TRUE(std::isinf(fb.sqnr_db));
  EXPECT_DOUBLE_EQ(fb.output_sqnr_db.at("out"), 31.5);

  OpProfileRecord o;
  o.model = "resnet", o.variant = "static", o.batch = 8, o.input_size = 224, o.threads = 4, o.ok = true;
  o.total_ms = 12.5, o.macs = 14512586752, o.bytes = 99000000;
  o.op_types = {{"QLinearConv", 20, 10.25, 14000000000, 90000000}, {"QGemm", 1, 0.5, 4096000, 1000}};
  const json oj = ToJson(o);
  EXPECT_EQ(oj["record"], "op_profile");
  EXPECT_EQ(oj["op_types"][1]["op_type"], "QGemm");
  const OpProfileRecord ob = OpProfileRecordFromJson(json::parse(oj.dump()));
  EXPECT_EQ(ob.batch, 8);
  EXPECT_EQ(ob.threads, 4);
  EXPECT_TRUE(ob.ok);
  EXPECT_EQ(ob.macs, 14512586752);
  ASSERT_EQ(ob.op_types.size(), 2u);
  EXPECT_EQ(ob.op_types[0].op_type, "QLinearConv");
  EXPECT_EQ(ob.op_types[0].nodes, 20);
  EXPECT_DOUBLE_EQ(ob.op_types[0].time_ms, 10.25);
  EXPECT_EQ(ob.op_types[1].bytes, 1000);

  RooflinePeaks r;
  r.ok = true, r.cpu_model = "Fake CPU", r.ort_version = "1.30.0", r.threads = 2;
  r.fp32_macs_per_s = 1.5e11, r.int8_macs_per_s = 4.5e11, r.bytes_per_s = 2e10, r.method = "MatMul 1024";
  r.from_cache = true, r.measured_at_unix_s = 1.7e9;
  const json rj = ToJson(r);
  EXPECT_EQ(rj["status"], "ok");
  const RooflinePeaks rb = RooflinePeaksFromJson(json::parse(rj.dump()));
  EXPECT_TRUE(rb.ok);
  EXPECT_EQ(rb.cpu_model, "Fake CPU");
  EXPECT_EQ(rb.threads, 2);
  EXPECT_DOUBLE_EQ(rb.int8_macs_per_s, 4.5e11);
  EXPECT_DOUBLE_EQ(rb.bytes_per_s, 2e10);
  EXPECT_TRUE(rb.from_cache);
  EXPECT_DOUBLE_EQ(rb.measured_at_unix_s, 1.7e9);
}

}  // namespace
}  // namespace qbench
