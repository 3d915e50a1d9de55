// qbench/report/merge.h — one report over many machines and shards (`qbench report DIR [DIR …] -o OUT`):
// reads the results of lab studies (results.jsonl, the shard files results.<device>.<I>.jsonl, or a
// results.json), refuses to mix studies measured under different settings, and writes results.json
// and results.csv with a device column, report.md (+ report.html) with per-device tables,
// observations across devices, and per-device latency and speedup plots. docs/scale-out.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/lab/results.h"
#include "qbench/report/plots.h"

namespace qbench {

/// One device's part of a merged report.
struct DeviceStudy {
  std::string device;                ///< the label (--device)
  /// Its records, points in plan order (then any unplanned ones in file order); config synthesized
  /// from the points ("variants" baseline first, "batch", "threads", "model_input_sizes") so the
  /// report module's helpers (ReferencePoint, BatchSeries, …) work on it.
  LabStudy study;
  std::vector<std::string> sources;  ///< files read, as found under the input folders
  std::vector<int> shards;           ///< shard ids seen, ascending (empty: not sharded)
  std::vector<std::string> planned;  ///< point ids planned (plan.json and the runs' settings records)
  std::vector<std::string> missing;  ///< planned ids with no record
  std::vector<std::string> failed;   ///< ids recorded as failed
  std::vector<std::string> duplicates;  ///< ids recorded by more than one file (the first ok one kept)
  /// duplicated id → every file that recorded it, in reading order, and the one whose record was kept.
  std::map<std::string, std::vector<std::string>> duplicate_files;
  std::map<std::string, std::string> duplicate_kept;
  std::map<std::string, int> missing_shard;  ///< missing id → its shard in plan.json's "shards" (when set)
  /// point id → the file whose record is shown (a speedup is against the baseline timed in that run).
  std::map<std::string, std::string> point_source;
};

struct MergedStudy {
  std::vector<std::string> inputs;       ///< the folders given
  bool has_settings = false;             ///< any file or plan recorded its settings
  LabSettings settings;                  ///< LabMeasurementSettings of the first file read
  std::vector<std::string> mismatches;   ///< differing settings (only with allow_mismatch)
  bool allow_mismatch = false;
  std::vector<DeviceStudy> devices;      ///< sorted by label
  const DeviceStudy* Find(const std::string& device) const;
};

/// The settings that must agree between merged studies, one item per difference naming the key and
/// both values, e.g. "repetitions (3 in 'a/results.jsonl', 5 in 'b/results.jsonl')": every setting of
/// ForEachSetting (preflight.h) but the provider (a study may compare providers across devices);
/// calibration_data and eval_data by content (file count and bytes: paths and modification times
/// differ between machines); each model both name by spec or, for files, by checksum (FileChecksum).
/// Models in only one of them are no difference.
std::vector<std::string> DiffMergeSettings(const LabSettings& a, const std::string& a_name, const LabSettings& b,
                                           const std::string& b_name);

/// Reads every input folder: DIR/plan.json (optional), DIR/results.jsonl and DIR/results.*.jsonl
/// (sorted by name), or DIR/results.json when there is no .jsonl. The device of a file is its settings
/// record's "device", else its environment's, else its points', else the folder's name. Points are
/// keyed by device and id: a planned point is kept once (the first ok record; duplicates listed).
/// Throws Error(kNotFound) for a folder without results, Error(kInvalidInput) in one line naming the
/// differing keys when the settings differ (DiffMergeSettings) and !allow_mismatch.
MergedStudy MergeStudies(const std::vector<std::string>& dirs, bool allow_mismatch);

/// The merged results.json: {"qbench_report_version": 1, "generated_at_utc", "inputs", "settings",
/// "allow_mismatch", "settings_mismatch", "devices": [{"device", "environment", "roofline", "shards",
/// "sources", "planned_points", "measured_points", "failed_points", "missing", "failed",
/// "duplicates"}], "points", "models", "accuracy", "op_profiles"} — every record with its "device".
nlohmann::json MergedJson(const MergedStudy& merged, const std::string& generated_at_utc);

/// results.csv: "device", "shard", then StudyTable()'s columns; one row per point, devices in order.
std::string MergedCsv(const MergedStudy& merged);

/// Observations across devices, from the numbers: for each model and quantized variant at each
/// device's reference point (ReferencePoint), where int8 paid (speedup CI above 1) on one device and
/// not on another (CI reaching or below 1), with each device's int8 instructions (environment "isa":
/// VNNI, AMX, dot product, i8mm) and its int8:fp32 roofline peak ratio as the hardware reason; where
/// it paid everywhere, the range; which device is fastest per model.
std::vector<std::string> CrossDeviceObservations(const MergedStudy& merged);

/// report.md: devices table, observations, per-device latency tables, accuracy per device, missing
/// and failed points in words (SweepPoint::Label), plots, the settings (and a mismatch notice when allowed).
std::string MergedMarkdown(const MergedStudy& merged, const std::vector<PlotFile>& plots, const std::string& generated_at_utc);

/// plots/latency_<model>.png (median latency vs batch, one line per device and variant, CI bars) and
/// plots/speedup_<model>.png (speedup vs batch, one line per device and quantized variant, 1.0 line),
/// each device at its own first input size and thread count. Returns the files written.
std::vector<PlotFile> WriteMergedPlots(const MergedStudy& merged, const std::string& output_dir);

/// Writes results.json, results.csv, plots (unless !with_plots), report.md and report.html into
/// `output_dir` (created), atomically. Apart from `generated_at_utc` (one line in report.md, one key
/// in results.json), the same inputs give the same bytes. Returns the paths written.
std::vector<std::string> WriteMergedReport(const MergedStudy& merged, const std::string& output_dir, bool with_plots,
                                           const std::string& generated_at_utc);

/// Shards (ascending) of `shard_count` (plan.json's "shards" when set) that still miss planned points
/// for `device` in `dir`, for `slurm_lab.sh --resume`: every shard with planned points when the
/// device has no results yet. Throws Error(kNotFound) when `dir` has no plan.json.
std::vector<int> MissingShards(const std::string& dir, const std::string& device, int shard_count);

}  // namespace qbench
