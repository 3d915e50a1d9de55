// Issue 13 "one report over many machines" and issue 14's merge of shards: `qbench report`'s library
// side on studies made by RunLab with the fake backend under different --device labels.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "../lab/fake_backend.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/preflight.h"
#include "qbench/lab/shard.h"
#include "qbench/report/analysis.h"
#include "qbench/report/merge.h"
#include "qbench/report/plots.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeLabBackend;

// A fake backend whose environment names an int8 instruction set (or not).
class DeviceBackend : public FakeLabBackend {
 public:
  explicit DeviceBackend(bool vnni) : vnni_(vnni) {}
  EnvironmentInfo Environment() override {
    EnvironmentInfo e;
    e.cpu_model = vnni_ ? "Fake Xeon with VNNI" : "Fake Atom";
    e.architecture = "x86_64";
    e.logical_cores = vnni_ ? 16 : 4;
    e.isa_flags = {{"avx2", true}, {"avx512f", vnni_}, {"avx512_vnni", vnni_}, {"avx_vnni", false}, {"amx_int8", false}};
    return e;
  }
  RooflinePeaks RooflineFor(std::int64_t threads) override {
    RooflinePeaks p = FakeLabBackend::RooflineFor(threads);
    p.int8_macs_per_s = vnni_ ? 400e9 : 110e9;  // int8:fp32 peak 4x with VNNI, 1.1x without
    return p;
  }

 private:
  bool vnni_;
};

std::string Fresh(const std::string& name) {
  const std::string d = testing::TempDir() + "/" + name;
  fs::remove_all(d);
  return d;
}

LabConfig Config(const std::string& out, const std::string& device, const std::string& threads) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big", "zoo:small"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1,2");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", threads);
  c.repetitions = 3;
  c.roofline = true;
  c.output_dir = out;
  c.device = device;
  return c;
}

// Two studies: "server" (VNNI; static 2x faster, 2 threads) and "board" (no VNNI; static slower, 1 thread).
std::pair<std::string, std::string> TwoDevices(const std::string& name, int board_repetitions = 3) {
  const std::string a = Fresh(name + "_server"), b = Fresh(name + "_board");
  DeviceBackend server(true), board(false);
  server.base_ms = {{"big", 4.0}, {"small", 1.0}};
  board.base_ms = {{"big", 12.0}, {"small", 3.0}};
  board.factor["static"] = 1.25;  // int8 slower than fp32 without VNNI
  RunLab(Config(a, "server", "2"), server);
  LabConfig cb = Config(b, "board", "1");
  cb.repetitions = board_repetitions;
  RunLab(cb, board);
  return {a, b};
}

TEST(MergeReport, TwoDevicesMergedHoldEveryPointOfBoth) {
  const auto [a, b] = TwoDevices("merge_two");
  const MergedStudy m = MergeStudies({a, b}, false);
  ASSERT_EQ(m.devices.size(), 2u);
  EXPECT_EQ(m.devices[0].device, "board");  // sorted by label
  EXPECT_EQ(m.devices[1].device, "server");
  const json j = MergedJson(m, "T");
  std::set<std::string> ids;
  for (const auto& p : j["points"]) ids.insert(p["device"].get<std::string>() + "/" + p["key"].get<std::string>());
  EXPECT_EQ(j["points"].size(), 16u);
  EXPECT_EQ(ids.size(), 16u);
  for (const char* id : {"server/big|fp32|b1|s224|t2", "server/small|static|b2|s224|t2", "board/big|static|b1|s224|t1",
                         "board/small|fp32|b2|s224|t1"})
    EXPECT_TRUE(ids.count(id)) << id;
  // Every point's numbers come through: the board's big fp32 batch 2 is 12 ms × 2.
  for (const auto& p : j["points"])
    if (p["device"] == "board" && p["key"] == "big|fp32|b2|s224|t1") EXPECT_DOUBLE_EQ(p["latency_ms"]["median_ms"].get<double>(), 24.0);
  EXPECT_EQ(j["devices"][0]["planned_points"], 8);
  EXPECT_EQ(j["devices"][0]["missing"].size(), 0u);
  EXPECT_EQ(j["devices"][1]["environment"]["cpu_model"], "Fake Xeon with VNNI");
  // CSV: a device column, one row per point.
  const std::string csv = MergedCsv(m);
  EXPECT_EQ(csv.rfind("device,shard,model,variant,batch", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 17);
  EXPECT_NE(csv.find("board,,big,fp32,2,224,1,ok,3,24,"), std::string::npos) << csv.substr(0, 400);
}

// N12: the merged report is read instead of each study's: it keeps every study's warnings (once each, under
// its device) and the COLLAPSED mark of a variant's latency rows.
TEST(MergeReport, WarningsAndCollapsedMarksOfEachStudyComeThrough) {
  const auto [a, b] = TwoDevices("merge_warnings");
  MergedStudy m = MergeStudies({a, b}, false);
  ASSERT_EQ(m.devices.size(), 2u);
  ASSERT_EQ(m.devices[0].device, "board");
  m.devices[0].study.warnings.push_back("busy_machine: load 6.1 on 4 cores");
  m.devices[0].study.warnings.push_back("busy_machine: load 6.1 on 4 cores");  // two shards said it
  for (auto& r : m.devices[0].study.models)
    if (r.model == "big" && r.variant == "static") {
      r.ok = r.has_verification = r.verification.collapsed = true;
    }
  const std::string md = MergedMarkdown(m, {}, "T");
  const auto warnings = md.find("\n## Warnings\n");
  ASSERT_NE(warnings, std::string::npos) << md;
  const std::string section = md.substr(warnings, md.find("\n## ", warnings + 1) - warnings);
  const auto board = section.find("\n### board\n");
  ASSERT_NE(board, std::string::npos) << section;
  const std::string on_board = section.substr(board, section.find("\n### server\n") - board);
  EXPECT_EQ(on_board.find("busy_machine: load 6.1 on 4 cores"), on_board.rfind("busy_machine: load 6.1 on 4 cores"))
      << "said once: " << on_board;
  EXPECT_NE(on_board.find("busy_machine: load 6.1 on 4 cores"), std::string::npos) << on_board;
  // The studies' own warnings come through: both timed k = 3 runs per point.
  EXPECT_NE(on_board.find("median_ci_below_95: k = 3"), std::string::npos) << on_board;
  EXPECT_NE(section.find("\n### server\n"), std::string::npos) << section;
  EXPECT_EQ(section.find("busy_machine", section.find("\n### server\n")), std::string::npos) << section;
  // The board's big static latency rows carry the collapse; the server's do not.
  const auto latency = md.find("\n## Latency per device\n");
  ASSERT_NE(latency, std::string::npos);
  const std::string rows = md.substr(latency, md.find("\n## ", latency + 1) - latency);
  std::size_t collapsed_rows = 0;
  for (std::size_t at = rows.find("| big | static |"); at != std::string::npos; at = rows.find("| big | static |", at + 1)) {
    const std::string row = rows.substr(at, rows.find('\n', at) - at);
    if (row.find("COLLAPSED") != std::string::npos) ++collapsed_rows;
  }
  EXPECT_EQ(collapsed_rows, 2u) << rows;  // board, batch 1 and 2
}

// A device measured with another provider and a power sensor: 10 W during every run, so J per run =
// 10 W × its median latency; int8 uses half the baseline's energy per run.
class PoweredBackend : public DeviceBackend {
 public:
  PoweredBackend() : DeviceBackend(true) {}
  std::vector<PointResult> MeasureGroup(const SweepGroup& group, const std::vector<std::string>& record) override {
    auto out = DeviceBackend::MeasureGroup(group, record);
    for (auto& p : out) {
      p.provider = "cuda";
      PointEnergy& e = p.energy;
      e.available = true;
      e.source = "ina3221";
      e.runs = p.latency.n;
      e.average_power_w = 10;
      e.energy_per_inference_j = 10 * p.latency.median_ms / 1000;
      e.energy_per_sample_j = e.energy_per_inference_j / p.point.batch;
      if (p.point.variant != "fp32") e.has_ratio = true, e.ratio = 0.5, e.ratio_ci95_low = 0.4, e.ratio_ci95_high = 0.6;
    }
    return out;
  }
};

// Issue 13: the merged folder carries each device's provider and energy (JSON, CSV, report.md), and a
// device without a sensor is said once, never with zeros.
TEST(MergeReport, EnergyAndProviderOfEachDeviceComeThrough) {
  const std::string a = Fresh("merge_energy_jetson"), b = Fresh("merge_energy_cpu");
  PoweredBackend board;
  board.base_ms = {{"big", 4.0}, {"small", 1.0}};
  RunLab(Config(a, "jetson", "2"), board);
  DeviceBackend cpu(false);
  cpu.base_ms = {{"big", 12.0}, {"small", 3.0}};
  RunLab(Config(b, "laptop", "1"), cpu);
  const MergedStudy m = MergeStudies({a, b}, false);  // the provider is the device's, not a mismatch
  ASSERT_EQ(m.devices.size(), 2u);
  const json j = MergedJson(m, "T");
  int powered = 0;
  for (const auto& p : j["points"]) {
    if (p["device"] == "jetson") {
      ++powered;
      EXPECT_EQ(p["provider"], "cuda");
      ASSERT_TRUE(p["energy"]["available"].get<bool>()) << p.dump();
      if (p["key"] == "big|fp32|b2|s224|t2") EXPECT_NEAR(p["energy"]["energy_per_inference_j"].get<double>(), 0.08, 1e-12);  // 10 W × 8 ms
    } else {
      EXPECT_EQ(p["provider"], "cpu");
      EXPECT_FALSE(p["energy"]["available"].get<bool>());
    }
  }
  EXPECT_EQ(powered, 8);
  const std::string csv = MergedCsv(m);
  EXPECT_NE(csv.find("jetson,,big,fp32,2,224,2,ok,"), std::string::npos);
  EXPECT_NE(csv.find(",cuda,0.08,10,,,,"), std::string::npos) << csv;              // big fp32 b2: 10 W × 8 ms, no ratio
  EXPECT_NE(csv.find(",cuda,0.04,10,0.5,0.4,0.6,"), std::string::npos) << csv;      // big static b2: 10 W × 4 ms
  EXPECT_NE(csv.find(",cpu,,,,,,"), std::string::npos) << csv;                       // the laptop: empty, not 0
  const std::string md = MergedMarkdown(m, {}, "T");
  // Under each device's heading: the jetson's energy table and provider, the laptop's one line.
  const auto jetson = md.find("\n### jetson\n"), laptop = md.find("\n### laptop\n");
  ASSERT_NE(jetson, std::string::npos) << md;
  ASSERT_NE(laptop, std::string::npos) << md;
  ASSERT_LT(jetson, laptop);  // devices sorted by label
  const std::string on_jetson = md.substr(jetson, laptop - jetson);
  const std::string on_laptop = md.substr(laptop, md.find("\n## ", laptop) - laptop);
  EXPECT_NE(on_jetson.find("#### Energy"), std::string::npos) << on_jetson;
  EXPECT_NE(on_jetson.find("| 80 mJ | 40 mJ | 10.00 W | (baseline) |"), std::string::npos) << on_jetson;  // big fp32 b2
  EXPECT_NE(on_jetson.find("0.50× [0.40, 0.60]"), std::string::npos);
  EXPECT_NE(on_jetson.find("#### Execution provider\n\nPoints measured with the cuda provider"), std::string::npos);
  EXPECT_NE(on_laptop.find("#### Energy\n\nNot measured: "), std::string::npos) << on_laptop;
  EXPECT_EQ(on_laptop.find(" mJ"), std::string::npos);  // never a zero
  EXPECT_EQ(on_laptop.find("Execution provider"), std::string::npos);  // the CPU: nothing to say
}

TEST(MergeReport, AStudyWithOnlyResultsJsonIsReadToo) {
  const std::string dir = Fresh("merge_json_only");
  LabConfig c = Config(dir, "old box", "1");
  c.roofline = false;
  FakeLabBackend backend;
  const LabStudy s = RunLab(c, backend);
  WriteStudyOutputs(s, dir, /*with_plots=*/false);
  fs::remove(dir + "/results.jsonl");
  const MergedStudy m = MergeStudies({dir}, false);
  ASSERT_EQ(m.devices.size(), 1u);
  EXPECT_EQ(m.devices[0].device, "old box");
  EXPECT_EQ(m.devices[0].study.points.size(), 8u);
  EXPECT_EQ(m.devices[0].sources, (std::vector<std::string>{dir + "/results.json"}));
  EXPECT_TRUE(m.has_settings);
  EXPECT_EQ(m.settings.repetitions, 3);
  // A folder without results is refused, naming it.
  const std::string empty = Fresh("merge_empty");
  fs::create_directories(empty);
  try {
    MergeStudies({empty}, false);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'" + empty + "' holds no lab results"), std::string::npos) << e.what();
  }
}

TEST(MergeReport, ObservationSaysWhereInt8PaidAndTheHardwareReason) {
  const auto [a, b] = TwoDevices("merge_obs");
  const MergedStudy m = MergeStudies({a, b}, false);
  const auto obs = CrossDeviceObservations(m);
  std::string found;
  for (const auto& o : obs)
    if (o.rfind("big static:", 0) == 0) found = o;
  ASSERT_FALSE(found.empty());
  // server: speedup 2.0 [1.9, 2.1] paid; board: 0.8 [0.76, 0.84] did not.
  EXPECT_NE(found.find("int8 paid on server 2.00x [1.90x, 2.10x] at batch"), std::string::npos) << found;  // FormatSpeedupCi
  EXPECT_NE(found.find("but not on board 0.80x [0.76x, 0.84x] at batch"), std::string::npos) << found;
  EXPECT_NE(found.find("AVX-512 VNNI; int8:fp32 MatMul peak 4.00x"), std::string::npos) << found;
  EXPECT_NE(found.find("no VNNI or AMX"), std::string::npos) << found;
  EXPECT_NE(found.find("int8:fp32 MatMul peak 1.10x"), std::string::npos) << found;
  bool fastest = false;
  for (const auto& o : obs) fastest = fastest || o.find("big fp32: fastest on server (4.00 ms") != std::string::npos;
  EXPECT_TRUE(fastest);
}

TEST(MergeReport, DifferentSettingsAreRefusedInOneLineUnlessAllowed) {
  const auto [a, b] = TwoDevices("merge_mismatch", /*board_repetitions=*/5);
  try {
    MergeStudies({a, b}, false);
    ADD_FAILURE() << "merged studies with different repetitions";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_NE(msg.find("repetitions (3 in '" + a + "/results.jsonl', 5 in '" + b + "/results.jsonl')"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--allow-mismatch"), std::string::npos);
  }
  const MergedStudy m = MergeStudies({a, b}, true);
  ASSERT_EQ(m.mismatches.size(), 1u);
  const std::string md = MergedMarkdown(m, {}, "T");
  EXPECT_NE(md.find("merged with --allow-mismatch"), std::string::npos);
  EXPECT_NE(md.find("repetitions (3 in"), std::string::npos);
  EXPECT_EQ(MergedJson(m, "T")["allow_mismatch"], true);
}

TEST(MergeReport, ModelFilesAreComparedByChecksum) {
  json a{{"repetitions", 3}, {"models", {{"m", {{"spec", "/x/m.onnx"}, {"checksum", "fnv1a64:0000000000000001"}}}}}};
  json b{{"repetitions", 3}, {"models", {{"m", {{"spec", "/y/m.onnx"}, {"checksum", "fnv1a64:0000000000000001"}}}}}};
  EXPECT_TRUE(DiffMergeSettings(a.get<LabSettings>(), "A", b.get<LabSettings>(), "B").empty());  // other paths, same bytes
  b["models"]["m"]["checksum"] = "fnv1a64:0000000000000002";
  const auto d = DiffMergeSettings(a.get<LabSettings>(), "A", b.get<LabSettings>(), "B");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], "model 'm' checksum ('fnv1a64:0000000000000001' in 'A', 'fnv1a64:0000000000000002' in 'B')");
  // Evaluation data by content: another path with the same files and bytes is the same data.
  json ea{{"eval_data", {{"path", "/a/val"}, {"files", 10}, {"size_bytes", 1000}, {"mtime_ns", 1}}}};
  json eb{{"eval_data", {{"path", "/b/val"}, {"files", 10}, {"size_bytes", 1000}, {"mtime_ns", 2}}}};
  EXPECT_TRUE(DiffMergeSettings(ea.get<LabSettings>(), "A", eb.get<LabSettings>(), "B").empty());
  eb["eval_data"]["files"] = 9;
  EXPECT_EQ(DiffMergeSettings(ea.get<LabSettings>(), "A", eb.get<LabSettings>(), "B").size(), 1u);
}

TEST(MergeReport, TheDefaultCalibrationMethodEqualsItsName) {
  // One study ran with the default method (recorded as ""), the other gave --calibration-method
  // percentile: the same calibration, so they merge; another method is still a difference.
  json a{{"calibration_method", ""}};
  json b{{"calibration_method", "percentile"}};
  EXPECT_TRUE(DiffMergeSettings(a.get<LabSettings>(), "A", b.get<LabSettings>(), "B").empty());
  b["calibration_method"] = "minmax";
  const auto d = DiffMergeSettings(a.get<LabSettings>(), "A", b.get<LabSettings>(), "B");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], "calibration_method ('percentile' in 'A', 'minmax' in 'B')");
  // The same rule for --resume.
  LabSettings given_default, given_percentile, given_minmax;
  given_percentile.calibration_method = "percentile";
  given_minmax.calibration_method = "minmax";
  EXPECT_TRUE(DiffLabSettings(given_default, given_percentile).empty());
  EXPECT_EQ(DiffLabSettings(given_default, given_minmax).size(), 1u);
}

TEST(MergeReport, RerunGivesTheSameBytesApartFromTheTimestamp) {
  const auto [a, b] = TwoDevices("merge_rerun");
  const std::string o1 = Fresh("merge_rerun_out1"), o2 = Fresh("merge_rerun_out2");
  WriteMergedReport(MergeStudies({a, b}, false), o1, true, "2026-12-06T10:00:00Z");
  WriteMergedReport(MergeStudies({a, b}, false), o2, true, "2026-12-06T11:11:11Z");
  EXPECT_EQ(ReadFileBytes(o1 + "/results.csv"), ReadFileBytes(o2 + "/results.csv"));
  auto without = [](std::string s, const std::string& stamp) {
    const auto at = s.find(stamp);
    EXPECT_NE(at, std::string::npos);
    return at == std::string::npos ? s : s.erase(at, stamp.size());
  };
  EXPECT_EQ(without(ReadFileBytes(o1 + "/results.json"), "2026-12-06T10:00:00Z"), without(ReadFileBytes(o2 + "/results.json"), "2026-12-06T11:11:11Z"));
  EXPECT_EQ(without(ReadFileBytes(o1 + "/report.md"), "2026-12-06T10:00:00Z"), without(ReadFileBytes(o2 + "/report.md"), "2026-12-06T11:11:11Z"));
  const std::string md = ReadFileBytes(o1 + "/report.md");
  if (PlotsBuiltIn()) {
    int pngs = 0;
    for (const auto& e : fs::directory_iterator(o1 + "/plots")) {
      ++pngs;
      EXPECT_EQ(ReadFileBytes(e.path().string()), ReadFileBytes(o2 + "/plots/" + e.path().filename().string())) << e.path();
    }
    EXPECT_EQ(pngs, 4);  // latency and speedup of two models
    EXPECT_TRUE(fs::exists(o1 + "/plots/speedup_big.png"));
  } else {  // -DQBENCH_PLOTS=OFF: no plots, one line in the merged report.md
    EXPECT_FALSE(fs::exists(o1 + "/plots/speedup_big.png"));
    EXPECT_NE(md.find("No plots: this qbench was built without PLplot"), std::string::npos) << md;
  }
  EXPECT_NE(md.find("### board"), std::string::npos);
  EXPECT_NE(md.find("### server"), std::string::npos);
  EXPECT_NE(md.find("Every planned point was measured exactly once"), std::string::npos);
}

// Two unsharded studies of device "box" at 1 thread, fp32 and static then fp32 and dynamic, merged.
MergedStudy TwoRunsOfOneDevice(const std::string& a, const std::string& b, FakeLabBackend& first, FakeLabBackend& second) {
  LabConfig ca = Config(a, "box", "1"), cb = Config(b, "box", "1");
  cb.variants = {"fp32", "dynamic"};
  RunLab(ca, first);
  RunLab(cb, second);
  return MergeStudies({a, b}, true);
}

// N9: two unsharded studies of one device, timed at different speeds: each latency row names its run,
// whose baseline its speedup was measured against.
TEST(MergeReport, RowsFromSeveralStudiesOfOneDeviceNameTheirRun) {
  const std::string a = Fresh("runs_a"), b = Fresh("runs_b");
  FakeLabBackend first, second;
  first.base_ms = {{"big", 4.0}, {"small", 1.0}};
  second.base_ms = {{"big", 8.0}, {"small", 2.0}};
  const MergedStudy m = TwoRunsOfOneDevice(a, b, first, second);
  ASSERT_EQ(m.devices.size(), 1u);
  const std::string md = MergedMarkdown(m, {}, "T");
  const auto latency = md.find("\n## Latency per device\n");
  ASSERT_NE(latency, std::string::npos) << md;
  const std::string rows = md.substr(latency, md.find("\n## ", latency + 1) - latency);
  EXPECT_NE(rows.find("Rows come from 2 studies of this device (column \"run\")"), std::string::npos) << rows;
  EXPECT_NE(rows.find("| model | variant | batch | input size | threads | run | median (CI) |"), std::string::npos) << rows;
  EXPECT_NE(rows.find("| big | fp32 | 1 | 224 | 1 | `runs_a` | 4.00 ms"), std::string::npos) << rows;  // the first run's baseline kept
  EXPECT_NE(rows.find("| big | dynamic | 1 | 224 | 1 | `runs_b` | "), std::string::npos) << rows;
  EXPECT_NE(rows.find("| big | static | 1 | 224 | 1 | `runs_a` | "), std::string::npos) << rows;
}

TEST(MergeReport, TwoStudiesOfOneDeviceListTheirDuplicatesAndWhoseValuesWereKept) {
  const std::string a = Fresh("dup_a"), b = Fresh("dup_b");
  FakeLabBackend first, second;
  first.base_ms = {{"big", 4.0}, {"small", 1.0}};
  second.base_ms = {{"big", 8.0}, {"small", 2.0}};
  RunLab(Config(a, "box", "1"), first);
  RunLab(Config(b, "box", "1"), second);
  const MergedStudy m = MergeStudies({a, b}, false);
  ASSERT_EQ(m.devices.size(), 1u);
  const DeviceStudy& d = m.devices[0];
  ASSERT_EQ(d.sources, (std::vector<std::string>{a + "/results.jsonl", b + "/results.jsonl"}));
  EXPECT_EQ(d.duplicates.size(), 8u);  // 2 models x 2 variants x 2 batches, all in both
  EXPECT_EQ(d.duplicate_kept.at("big|fp32|b1|s224|t1"), a + "/results.jsonl");
  EXPECT_EQ(d.duplicate_files.at("big|fp32|b1|s224|t1"), d.sources);
  for (const auto& p : d.study.points)  // A's values: big fp32 at batch 1 is 4 ms, not B's 8 ms
    if (p.point.Key() == "big|fp32|b1|s224|t1") EXPECT_DOUBLE_EQ(p.latency.median_ms, 4.0);
  const std::string md = MergedMarkdown(m, {}, "T");
  EXPECT_NE(md.find("- box: 8 point(s) recorded by more than one study (the first ok record kept): the values shown are `" + a +
                    "/results.jsonl`'s, those of `" + b + "/results.jsonl` are not shown: big: fp32 at batch 1, 224 px, 1 thread; "),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("Every planned point was measured exactly once"), std::string::npos) << md;
}

TEST(MergeReport, ShardsMergeOnceEachAndMissingPointsAreListedInTheReportsWords) {
  const std::string dir = Fresh("merge_shards");
  LabConfig c = Config(dir, "cluster", "1");
  c.roofline = false;
  {
    FakeLabBackend b;
    fs::create_directories(dir);
    WriteFileAtomic(PlanJsonPath(dir), nlohmann::json(MakeLabPlanFile(c, PlanLab(c, b), 4)).dump(2));
  }
  for (int i : {0, 1, 3}) {  // shard 2 never ran
    LabConfig s = c;
    s.shard_index = i;
    s.shard_count = 4;
    FakeLabBackend b;
    b.fail_points["big|static|b1|s224|t1"] = "injected";
    RunLab(s, b);
  }
  const MergedStudy m = MergeStudies({dir}, false);
  ASSERT_EQ(m.devices.size(), 1u);
  const DeviceStudy& d = m.devices[0];
  EXPECT_EQ(d.shards, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(d.study.points.size(), 6u);
  EXPECT_EQ(d.missing, (std::vector<std::string>{"small|fp32|b1|s224|t1", "small|static|b1|s224|t1"}));
  EXPECT_EQ(d.missing_shard.at("small|fp32|b1|s224|t1"), 2);
  EXPECT_TRUE(d.duplicates.empty());
  EXPECT_EQ(MissingShards(dir, "cluster", 0), (std::vector<int>{2}));
  EXPECT_EQ(MissingShards(dir, "another", 0), (std::vector<int>{0, 1, 2, 3}));
  const std::string md = MergedMarkdown(m, {}, "T");
  // In the report's words (SweepPoint::Label), not as ids; "; " between points since their words hold commas.
  EXPECT_NE(md.find("- cluster: missing small: fp32 at batch 1, 224 px, 1 thread (shard 2); "
                    "small: static at batch 1, 224 px, 1 thread (shard 2)\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(d.failed, (std::vector<std::string>{"big|static|b1|s224|t1"}));
  EXPECT_NE(md.find("- cluster: failed big: static at batch 1, 224 px, 1 thread\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("|b1|s224|t1"), std::string::npos) << md;  // no raw id anywhere in report.md
  // Each point's shard is in the merged JSON.
  std::set<int> shards;
  const json j = MergedJson(m, "T");
  for (const auto& p : j["points"]) shards.insert(p["shard"].get<int>());
  EXPECT_EQ(shards, (std::set<int>{0, 1, 3}));
}

// R8: two studies of one device whose roofline peaks differ: the merge keeps one set per device, but
// the second study's op profiles keep its own peaks, so each study's rows are graded as its own
// report grades them, and the report names both sets.
class PeaksBackend : public FakeLabBackend {
 public:
  explicit PeaksBackend(double scale) : scale_(scale) {}
  RooflinePeaks RooflineFor(std::int64_t threads) override {
    RooflinePeaks p = FakeLabBackend::RooflineFor(threads);  // 100 / 400 GMAC/s, 20 GB/s
    p.fp32_macs_per_s *= scale_, p.int8_macs_per_s *= scale_;
    return p;
  }

 private:
  double scale_;
};

TEST(MergeReport, StudiesOfOneDeviceWithDifferentPeaksAreEachGradedByTheirOwn) {
  const std::string a = Fresh("peaks_a"), b = Fresh("peaks_b");
  PeaksBackend first(1.0), second(0.5);  // the second study measured half the peaks: 50 / 200 GMAC/s
  const MergedStudy m = TwoRunsOfOneDevice(a, b, first, second);
  ASSERT_EQ(m.devices.size(), 1u);
  const LabStudy& s = m.devices[0].study;
  ASSERT_EQ(s.roofline.size(), 1u);
  EXPECT_DOUBLE_EQ(s.roofline[0].int8_macs_per_s, 400e9);  // the device's set: the first study's
  int graded_a = 0, graded_b = 0;
  for (const auto& r : OpTypeRooflineRows(s)) {
    if (r.op_type.rfind("QLinearConv", 0) != 0) continue;
    // The fake's QLinearConv: 3e9 MACs in 3.0 ms (scaled to the point's median), under the int8 peak.
    const double peak = r.variant == "dynamic" ? 200e9 : 400e9;
    EXPECT_DOUBLE_EQ(r.peak_macs_per_s, peak) << r.model << " " << r.variant << " " << r.op_type;
    EXPECT_NEAR(r.share_of_peak, r.achieved_macs_per_s / peak, 1e-12) << r.model << " " << r.variant;
    ++(r.variant == "dynamic" ? graded_b : graded_a);
  }
  EXPECT_EQ(graded_a, 4);  // static: 2 models (profiled at the first batch) × 2 QLinearConv rows
  EXPECT_EQ(graded_b, 4);  // dynamic, only in the second study
  // The second study's big dynamic depthwise row at batch 1: its share of its own 200 GMAC/s int8 peak,
  // twice what the first study's 400 would say.
  for (const auto& r : OpTypeRooflineRows(s))
    if (r.model == "big" && r.variant == "dynamic" && r.op_type == "QLinearConv (depthwise)")
      EXPECT_NEAR(r.share_of_peak, r.achieved_macs_per_s / 200e9, 1e-12);
  // The peaks are written with the profiles (merged results.json) and read back.
  const json j = MergedJson(m, "T");
  int with_peaks = 0;
  for (const auto& o : j["op_profiles"])
    if (o.contains("peaks")) {
      EXPECT_EQ(o["variant"], "dynamic");
      EXPECT_DOUBLE_EQ(o["peaks"]["int8_macs_per_s"].get<double>(), 200e9);
      ++with_peaks;
    }
  EXPECT_EQ(with_peaks, 2);  // the second study's dynamic profiles (its fp32 ones are the first's duplicates)
  const std::string md = MergedMarkdown(m, {}, "T");
  EXPECT_NE(md.find("roofline_peaks: the merged studies of this device measured different roofline peaks at 1 thread(s): "
                    "fp32 100 / int8 400 GMAC/s, 20 GB/s in '" + a + "/results.jsonl', fp32 50 / int8 200 GMAC/s, 20 GB/s in '" +
                    b + "/results.jsonl'; each study's roofline rows are graded by its own peaks"),
            std::string::npos) << md;
}

}  // namespace
}  // namespace qbench
