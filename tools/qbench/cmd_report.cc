// qbench report: one report over many machines and shards — merges the results of lab studies
// (qbench/report/merge.h, docs/scale-out.md).
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/report/merge.h"

namespace qbench::cli {
namespace {

struct ReportFlags {
  std::vector<std::string> dirs;
  std::string output, device;
  bool allow_mismatch = false, no_plots = false, missing_shards = false;
  int shards = 0;
};

std::string NowUtc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void RunReport(const ReportFlags& f) {
  if (f.missing_shards) {  // for scripts (slurm_lab.sh --resume): one shard index per line
    if (f.dirs.size() != 1 || f.device.empty())
      throw Error(ErrorCode::kInvalidArgument, "--missing-shards takes one study folder and --device LABEL");
    for (int s : MissingShards(f.dirs.front(), f.device, f.shards)) std::printf("%d\n", s);
    return;
  }
  std::string out = f.output;
  if (out.empty()) {
    if (f.dirs.size() != 1)
      throw Error(ErrorCode::kInvalidArgument, "qbench report: give -o OUT when merging several folders (one folder defaults to DIR/report)");
    out = f.dirs.front() + "/report";
  }
  for (const auto& d : f.dirs)
    if (d == out) throw Error(ErrorCode::kInvalidArgument, "-o '" + out + "' is an input folder; give another output folder");
  const MergedStudy merged = MergeStudies(f.dirs, f.allow_mismatch);
  for (const auto& m : merged.mismatches) Log(LogLevel::kWarning, "--allow-mismatch: settings differ: " + m);
  for (const auto& d : merged.devices)
    if (!d.duplicates.empty())
      Log(LogLevel::kWarning, fmt::format("device '{}': {} point(s) recorded by more than one study; report.md shows one record "
                                          "of each (the first ok) and lists which study's values were kept",
                                          d.device, d.duplicates.size()));
  WriteMergedReport(merged, out, !f.no_plots, NowUtc());
  std::size_t points = 0, missing = 0, failed = 0;
  for (const auto& d : merged.devices) {
    points += d.study.points.size();
    missing += d.missing.size();
    failed += d.failed.size();
  }
  std::printf("qbench report: %zu device(s), %zu point(s) recorded, %zu missing, %zu failed -> %s/report.md\n", merged.devices.size(),
              points, missing, failed, out.c_str());
  for (const auto& d : merged.devices) {
    std::string shards;
    for (int s : d.shards) shards += (shards.empty() ? "" : ",") + std::to_string(s);
    std::printf("  %s: %zu point(s)%s%s\n", d.device.c_str(), d.study.points.size(),
                shards.empty() ? "" : (", shards " + shards).c_str(),
                d.missing.empty() ? "" : fmt::format(", {} missing (listed in report.md)", d.missing.size()).c_str());
  }
  std::printf("  results: %s/results.json, results.csv\n", out.c_str());
  std::fflush(stdout);
  if (missing > 0 || failed > 0) {
    std::fprintf(stderr, "qbench: %zu point(s) missing, %zu failed (listed by id in report.md); `qbench lab --resume --shard I/N` "
                         "measures what a shard is missing\n", missing, failed);
    SetExitCode(kExitFailure);
  }
}

void RegisterReport(CLI::App& app) {
  auto f = std::make_shared<ReportFlags>();
  auto* cmd = app.add_subcommand(
      "report",
      "Merge lab studies of several machines, or the shards of one study, into one report: results.json and "
      "results.csv with a device column, report.md/report.html with per-device tables and observations across "
      "devices, and latency/speedup plots per device.\nRefuses studies measured with different settings "
      "(repetitions, warm-up, seed, calibration, evaluation data, model checksums) unless --allow-mismatch.\n"
      "Exit status: 0 merged, 1 points missing or failed (listed) or settings differ, 2 usage error.");
  cmd->add_option("dirs", f->dirs, "Study folders (the --output of `qbench lab`, sharded or not)")->required();
  cmd->add_option("-o,--output", f->output, "Output folder (default DIR/report for one folder)");
  cmd->add_flag("--allow-mismatch", f->allow_mismatch, "Merge studies whose measurement settings differ (the report says so)");
  cmd->add_flag("--no-plots", f->no_plots, "Do not draw the PNG plots");
  cmd->add_flag("--missing-shards", f->missing_shards,
                "Print the shards of DIR/plan.json that miss points for --device (one index per line) and write nothing");
  cmd->add_option("--device", f->device, "With --missing-shards: the device label whose shards are checked");
  cmd->add_option("--shards", f->shards, "With --missing-shards: the shard count, when plan.json records none");
  cmd->callback([f] { RunReport(*f); });
}

}  // namespace

QBENCH_REGISTER_COMMAND(55, RegisterReport);

}  // namespace qbench::cli
