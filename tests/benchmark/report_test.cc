// Reporters and warnings on a hand-made report: one schema across CSV/Markdown/JSON, NaN → null,
// RFC 4180 quoting, skipped points never carrying numbers; environment parsing and warnings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "qbench/benchmark/bench_report.h"
#include "qbench/benchmark/environment.h"

namespace qbench {
namespace {

BenchReport HandReport() {
  BenchReport r;
  r.environment.cpu_model = "Test CPU";
  r.environment.build_type = "Release";
  BenchPoint a;
  a.model = "fp32";
  a.model_spec = "a.onnx";
  a.batch_size = 2;
  a.inputs = {TensorInfo{"data", DType::kFloat32, {2, 3}, {"", ""}, true}};
  a.input_distributions = {"normal(0,1)"};
  a.measured = true;
  a.measurement.batch_size = 2;
  a.measurement.latency_ms = {4, 2, 3};
  a.measurement.statistics = ComputeStatistics(a.measurement.latency_ms);
  a.measurement.throughput_samples_per_s = 2 * 1000.0 / 3;
  BenchPoint b = a;
  b.model = "int8";
  b.measurement.latency_ms = {1};  // one sample: stddev is NaN
  b.measurement.statistics = ComputeStatistics(b.measurement.latency_ms);
  b.has_speedup = true;
  b.speedup_baseline = "fp32";
  b.speedup = {3.0, 2.5, 3.5, 0.95, 2000, true};
  BenchPoint c;
  c.model = "fixed";
  c.batch_size = 8;
  c.skip_reason = "input \"input\" dim 0 is fixed to 1, node flatten_reshape";
  r.points = {a, b, c};
  r.warnings = {{"high_cv", "noisy"}};
  return r;
}

TEST(BenchReport, CsvHasOneSchemaAndQuotes) {
  const std::string csv = BenchReportCsv(HandReport());
  const std::string header = csv.substr(0, csv.find('\n'));
  std::string expected;
  const Table table = BenchTable(HandReport());
  for (const auto& c : table.columns) expected += (expected.empty() ? "" : ",") + c.key;
  EXPECT_EQ(header, expected);
  // fp32 row: n 3, mean 3, median 3, CI [min, max] = [2, 4] (n < 6) at level 1 − 2/2³ = 0.75.
  EXPECT_NE(csv.find("fp32,2,data=2x3,ok,3,3,1,3,2,4,0.75,2,4,"), std::string::npos) << csv;
  // int8 row: stddev and CV empty (NaN), speedup 3 [2.5, 3.5].
  EXPECT_NE(csv.find("int8,2,data=2x3,ok,1,1,,1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",3,2.5,3.5,speedup vs fp32"), std::string::npos) << csv;
  // Skipped: no numbers at all, the reason quoted with doubled quotes.
  // Every column between status and note is empty: BenchTable() has model, batch, inputs, status … note.
  const std::string empties(table.columns.size() - 5, ',');
  EXPECT_NE(csv.find("fixed,8,,failed," + empties +
                     "\"input \"\"input\"\" dim 0 is fixed to 1, node flatten_reshape\""),
            std::string::npos)
      << csv;
}

TEST(BenchReport, JsonWritesNanAsNullAndKeepsSamples) {
  const auto j = nlohmann::json::parse(BenchReportJson(HandReport()));
  EXPECT_EQ(j["schema"], "qbench.bench/2");
  EXPECT_EQ(j["results"][0]["samples_ms"], nlohmann::json({4, 2, 3}));
  EXPECT_EQ(j["results"][0]["latency_ms"]["median_ms"], 3);
  EXPECT_TRUE(j["results"][1]["latency_ms"]["stddev_ms"].is_null());
  EXPECT_EQ(j["results"][1]["speedup"], 3.0);
  EXPECT_EQ(j["results"][1]["speedup_ci95_low"], 2.5);
  EXPECT_EQ(j["results"][1]["baseline_variant"], "fp32");
  EXPECT_FALSE(j["results"][0].contains("speedup"));  // the baseline
  EXPECT_EQ(j["results"][2]["status"], "failed");
  EXPECT_EQ(j["results"][2]["error"], "input \"input\" dim 0 is fixed to 1, node flatten_reshape");
  EXPECT_FALSE(j["results"][2].contains("latency_ms"));
  EXPECT_EQ(j["warnings"][0]["code"], "high_cv");
}

TEST(BenchReport, MarkdownAndTableShowTheSameRows) {
  const BenchReport r = HandReport();
  const std::string md = BenchReportMarkdown(r);
  EXPECT_NE(md.find("| fp32 | 2 | data=2x3 | ok | 3 | 3.000 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| fixed | 8 |  | failed |"), std::string::npos) << md;
  EXPECT_NE(md.find("`high_cv`: noisy"), std::string::npos) << md;
  const std::string table = FormatBenchTable(r);
  EXPECT_NE(table.find("3.000x [2.500, 3.500]"), std::string::npos) << table;
  EXPECT_NE(table.find("Skipped fixed batch 8: input \"input\" dim 0 is fixed to 1, node flatten_reshape"),
            std::string::npos)
      << table;
}

// n = 3 gives [min, max] at 75 %, n = 1 at 0 %: the table says so in its header and cells instead of
// "95% CI"; CSV and Markdown carry median_ci_level. With n = 10 every CI is ≥ 95 %: the plain header.
TEST(BenchReport, MedianCiLevelShownWhenBelow95) {
  const BenchReport r = HandReport();
  const std::string table = FormatBenchTable(r);
  EXPECT_EQ(table.find("95% CI ms"), std::string::npos) << table;
  EXPECT_NE(table.find("median CI ms, level"), std::string::npos) << table;
  EXPECT_NE(table.find("[2.000, 4.000] 75%"), std::string::npos) << table;
  EXPECT_NE(table.find("[1.000, 1.000] 0%"), std::string::npos) << table;
  EXPECT_NE(table.find("below 6 runs it is [min, max]"), std::string::npos) << table;
  const std::string md = BenchReportMarkdown(r);
  EXPECT_NE(md.find(" median_ci_level |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 2.000 | 4.000 | 75.0% | 2.000 |"), std::string::npos) << md;
  const auto j = nlohmann::json::parse(BenchReportJson(r));
  EXPECT_DOUBLE_EQ(j["results"][0]["latency_ms"]["median_ci_level"].get<double>(), 0.75);

  BenchReport ten = r;
  ten.points.resize(1);
  ten.points[0].measurement.latency_ms = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  ten.points[0].measurement.statistics = ComputeStatistics(ten.points[0].measurement.latency_ms);
  const std::string plain = FormatBenchTable(ten);
  EXPECT_NE(plain.find("95% CI ms"), std::string::npos) << plain;
  EXPECT_NE(plain.find("[2.000, 9.000]  5.500 ±"), std::string::npos) << plain;  // x(2), x(9); no level
  EXPECT_EQ(plain.find("level"), std::string::npos) << plain;
}

// A candidate whose inputs differ from the baseline's gets no speedup anywhere: "n/a (...)" in the
// table, null plus the reason in JSON, empty ratio columns and the reason in the CSV note.
TEST(BenchReport, NoSpeedupWhenInputsDiffer) {
  BenchReport r = HandReport();
  BenchPoint& b = r.points[1];
  b.has_speedup = false;
  b.speedup_unavailable = "inputs differ";
  const std::string table = FormatBenchTable(r);
  EXPECT_NE(table.find("n/a (inputs differ)"), std::string::npos) << table;
  EXPECT_EQ(table.find("3.000x"), std::string::npos) << table;
  const auto j = nlohmann::json::parse(BenchReportJson(r));
  EXPECT_FALSE(j["results"][1].contains("speedup"));
  EXPECT_EQ(j["results"][1]["speedup_unavailable"], "inputs differ");
  EXPECT_FALSE(j["results"][0].contains("speedup_unavailable"));
  const std::string csv = BenchReportCsv(r);
  EXPECT_NE(csv.find(",,,,no speedup vs fp32: inputs differ\n"), std::string::npos) << csv;
}

TEST(Environment, ParsesIsaFlagsForX86AndArm) {
  EnvironmentInfo x86;
  ParseCpuInfo("processor\t: 0\nmodel name\t: Some Xeon\nflags\t\t: fpu avx2 avx512f avx512_vnni amx_int8\n\n"
               "processor\t: 1\nmodel name\t: Other\nflags\t\t: fpu\n",
               "x86_64", &x86);
  EXPECT_EQ(x86.cpu_model, "Some Xeon");
  auto has = [](const EnvironmentInfo& e, const std::string& f) {
    for (const auto& p : e.isa_flags)
      if (p.first == f) return p.second ? 1 : 0;
    return -1;  // not in the list
  };
  EXPECT_EQ(has(x86, "avx2"), 1);
  EXPECT_EQ(has(x86, "avx512_vnni"), 1);
  EXPECT_EQ(has(x86, "amx_int8"), 1);
  EXPECT_EQ(has(x86, "avx_vnni"), 0);
  EXPECT_EQ(has(x86, "asimddp"), -1);
  EnvironmentInfo arm;
  ParseCpuInfo("processor\t: 0\nFeatures\t: fp asimd asimddp i8mm\nCPU part\t: 0xd0c\n", "aarch64", &arm);
  EXPECT_EQ(arm.cpu_model, "CPU part 0xd0c");
  EXPECT_EQ(has(arm, "asimddp"), 1);
  EXPECT_EQ(has(arm, "sve"), 0);
}

TEST(Environment, Warnings) {
  EnvironmentInfo env;
  env.build_type = "Debug";
  env.cpufreq_governor = "powersave";
  WarningList w;
  AddEnvironmentWarnings(env, &w);
  ASSERT_EQ(w.items().size(), 2u);
  EXPECT_EQ(w.items()[0].code, "debug_build");
  EXPECT_EQ(w.items()[1].code, "frequency_scaling");
  env.build_type = "Release";
  env.cpufreq_governor = "performance";
  env.logical_cores = 2;
  env.load_average_1min = 1.5;
  WarningList none;
  AddEnvironmentWarnings(env, &none);
  EXPECT_TRUE(none.empty());
  env.load_average_1min = 9.7;  // more runnable threads than cores
  WarningList busy;
  AddEnvironmentWarnings(env, &busy);
  ASSERT_EQ(busy.items().size(), 1u);
  EXPECT_EQ(busy.items()[0].code, "busy_machine");
  EXPECT_NE(busy.items()[0].message.find("9.7"), std::string::npos);

  Measurement m;
  m.latency_ms = {1, 1, 1, 1, 2};  // s = √0.2 ≈ 0.447, CV ≈ 0.37 > 0.05; n = 5 < 100
  m.statistics = ComputeStatistics(m.latency_ms);
  WarningList mw;
  AddMeasurementWarnings(m, "m batch 1", 0.05, &mw);
  ASSERT_EQ(mw.items().size(), 3u);
  EXPECT_EQ(mw.items()[0].code, "high_cv");
  // n = 5: [min, max] covers 1 − 2/2⁵ = 93.75 % of the time, below 95 %.
  EXPECT_EQ(mw.items()[1].code, "low_ci_level");
  EXPECT_NE(mw.items()[1].message.find("m batch 1: with 5 timed runs"), std::string::npos) << mw.items()[1].message;
  EXPECT_NE(mw.items()[1].message.find("93.8 %"), std::string::npos) << mw.items()[1].message;
  EXPECT_NE(mw.items()[1].message.find("--repetitions 6 or more"), std::string::npos) << mw.items()[1].message;
  EXPECT_EQ(mw.items()[2].code, "few_samples_p99");
  EXPECT_NE(mw.items()[2].message.find("m batch 1"), std::string::npos);

  // n = 6 reaches 95 % (1 − 2/2⁶ = 96.9 %): no low_ci_level.
  Measurement six;
  six.latency_ms = {1, 1, 1, 1, 1, 1};
  six.statistics = ComputeStatistics(six.latency_ms);
  WarningList sw;
  AddMeasurementWarnings(six, "six", 0.05, &sw);
  for (const auto& w : sw.items()) EXPECT_NE(w.code, "low_ci_level") << w.message;
  EXPECT_EQ(sw.items().size(), 1u);  // few_samples_p99 only
}

}  // namespace
}  // namespace qbench
