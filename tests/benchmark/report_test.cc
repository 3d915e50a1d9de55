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
  for (const auto& c : BenchColumns()) expected += (expected.empty() ? "" : ",") + c;
  EXPECT_EQ(header, expected);
  // fp32 row: n 3, mean 3, median 3, CI [min, max] = [2, 4] (n < 6).
  EXPECT_NE(csv.find("fp32,2,data=2x3,measured,3,3,1,3,2,4,2,4,"), std::string::npos) << csv;
  // int8 row: stddev and CV empty (NaN), speedup 3 [2.5, 3.5].
  EXPECT_NE(csv.find("int8,2,data=2x3,measured,1,1,,1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",3,2.5,3.5,speedup vs fp32"), std::string::npos) << csv;
  // Skipped: no numbers at all, the reason quoted with doubled quotes.
  EXPECT_NE(csv.find("fixed,8,,skipped,,,,,,,,,,,,,,,,,,,,,\"input \"\"input\"\" dim 0 is fixed to 1, node flatten_reshape\""),
            std::string::npos)
      << csv;
}

TEST(BenchReport, JsonWritesNanAsNullAndKeepsSamples) {
  const auto j = nlohmann::json::parse(BenchReportJson(HandReport()));
  EXPECT_EQ(j["schema"], "qbench.bench/1");
  EXPECT_EQ(j["results"][0]["latency_ms"], nlohmann::json({4, 2, 3}));
  EXPECT_EQ(j["results"][0]["statistics"]["median_ms"], 3);
  EXPECT_TRUE(j["results"][1]["statistics"]["stddev_ms"].is_null());
  EXPECT_EQ(j["results"][1]["speedup_vs_first"]["value"], 3.0);
  EXPECT_EQ(j["results"][1]["speedup_vs_first"]["baseline"], "fp32");
  EXPECT_EQ(j["results"][2]["status"], "skipped");
  EXPECT_FALSE(j["results"][2].contains("statistics"));
  EXPECT_EQ(j["warnings"][0]["code"], "high_cv");
}

TEST(BenchReport, MarkdownAndTableShowTheSameRows) {
  const BenchReport r = HandReport();
  const std::string md = BenchReportMarkdown(r);
  EXPECT_NE(md.find("| fp32 | 2 | data=2x3 | measured | 3 | 3.000 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| fixed | 8 |  | skipped |"), std::string::npos) << md;
  EXPECT_NE(md.find("`high_cv`: noisy"), std::string::npos) << md;
  const std::string table = FormatBenchTable(r);
  EXPECT_NE(table.find("3.000x [2.500, 3.500]"), std::string::npos) << table;
  EXPECT_NE(table.find("Skipped fixed batch 8: input \"input\" dim 0 is fixed to 1, node flatten_reshape"),
            std::string::npos)
      << table;
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
  ASSERT_EQ(mw.items().size(), 2u);
  EXPECT_EQ(mw.items()[0].code, "high_cv");
  EXPECT_EQ(mw.items()[1].code, "few_samples_p99");
  EXPECT_NE(mw.items()[1].message.find("m batch 1"), std::string::npos);
}

}  // namespace
}  // namespace qbench
