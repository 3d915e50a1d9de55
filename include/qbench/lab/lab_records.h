// qbench/lab/lab_records.h — the lab's "settings" and "config" records and its plan file, typed:
// what a study was measured with (LabSettings: results.jsonl's "settings" record, compared by
// --resume and `qbench report`), how it was configured (LabConfigRecord: results.json's "config",
// plan.json's "config") and the plan a sharded study follows (LabPlanFile, plan.json). Each is
// written and read by one field list (src/lab/lab_records.cc, core/json_fields.h); missing keys keep
// the defaults below; a key of the wrong type is Error(kInvalidInput) naming it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qbench {

/// What identifies a file or folder between runs (PathIdentity, preflight.h): written as {"path",
/// "size_bytes", "mtime_ns"} for a file, with "files" for a folder, {"path", "missing": true} when absent.
struct FileIdentity {
  std::string path;             ///< absolute, canonical
  bool missing = false;         ///< the path did not exist (no size, time or count then)
  bool folder = false;          ///< a folder: `files` counts the regular files below it (at most 100,000)
  std::int64_t files = 0;
  std::int64_t size_bytes = 0;  ///< the file's size, or the total of the folder's files
  std::int64_t mtime_ns = 0;    ///< modification time (the newest below a folder), ns since the epoch; -1 = stat failed
  bool operator==(const FileIdentity& o) const {
    return path == o.path && missing == o.missing && folder == o.folder && files == o.files &&
           size_bytes == o.size_bytes && mtime_ns == o.mtime_ns;
  }
  bool operator!=(const FileIdentity& o) const { return !(*this == o); }
};
void to_json(nlohmann::json& j, const FileIdentity& f);
void from_json(const nlohmann::json& j, FileIdentity& f);

/// A data path setting (--calibration-data, --eval-data): "" when none was given, else the path's
/// FileIdentity.
struct DataIdentity {
  bool given = false;
  FileIdentity identity;
  bool operator==(const DataIdentity& o) const { return given == o.given && (!given || identity == o.identity); }
  bool operator!=(const DataIdentity& o) const { return !(*this == o); }
};
void to_json(nlohmann::json& j, const DataIdentity& d);
void from_json(const nlohmann::json& j, DataIdentity& d);

/// One model of the settings: its spec and, for a model file (not "zoo:NAME"), the file's identity
/// and content checksum (FileChecksum, "" when unreadable; `qbench report` compares it across
/// machines); the files of its external variants (--compare-file) by label.
struct LabModelSettings {
  std::string spec;
  bool has_file = false;
  FileIdentity file;
  std::string checksum;  ///< written with `file`
  std::map<std::string, FileIdentity> external;  ///< written when not empty
};

/// The settings that define what a lab's points, model files and accuracies mean (LabMeasurementSettings,
/// preflight.h); sweep values (batch, input size, threads, variants) are part of each point's key instead.
struct LabSettings {
  int repetitions = 0;
  int warmup_runs = 0;
  std::uint64_t seed = 0;
  std::string baseline_variant;    ///< the first of --variants: every speedup is against it
  std::string preprocess;          ///< LabPreprocessPreset
  DataIdentity calibration_data;
  std::size_t calibration_size = 0;
  std::string calibration_method;  ///< "" = the quantizer's default (EffectiveCalibrationMethod)
  /// --weight-range (WeightRangeName); "" = auto, and written only when given (older studies resume).
  std::string weight_range;
  DataIdentity eval_data;
  std::size_t eval_limit = 0;
  bool split = false;
  std::string provider = "cpu";    ///< "cpu" also for files from before --provider
  std::map<std::string, LabModelSettings> models;  ///< display name → model
  /// DescribePreprocessOverrides of the preprocessing flags; written only when given (so that studies
  /// made before these settings existed resume).
  std::string preprocessing;
  bool no_verify = false;          ///< --no-verify; written only when true
};
void to_json(nlohmann::json& j, const LabSettings& s);
void from_json(const nlohmann::json& j, LabSettings& s);

/// A model made elsewhere (a QAT export, another quantizer's output, a model zoo's int8 file) measured
/// as a variant of one of the lab's models: `--compare-file MODEL:LABEL=PATH` (ParseCompareFile, config.h).
struct ExternalVariant {
  std::string model;  ///< a model spec as given to --models, or its display name
  std::string label;  ///< the variant name in results and the report
  std::string path;   ///< the ONNX file
};
void to_json(nlohmann::json& j, const ExternalVariant& e);
void from_json(const nlohmann::json& j, ExternalVariant& e);

/// How a study was configured (MakeLabConfigRecord, config.h), written into results.json ("config")
/// so that a study says how it was made, and into plan.json (without "output" and "device"). The
/// report reads its axes (variants, threads, input sizes) from it.
struct LabConfigRecord {
  std::vector<std::string> models, variants;
  std::vector<std::int64_t> batch, input_size, threads;
  int repetitions = 0, warmup_runs = 0;
  std::string eval_data;
  std::size_t eval_limit = 0;
  std::string preprocess;          ///< LabPreprocessPreset
  std::string calibration_data;
  std::size_t calibration_size = 0;
  std::string calibration_method;
  std::string weight_range;  ///< --weight-range when given (not auto); "" otherwise
  double auto_max_drop_points = 1.0, auto_time_budget_s = 300;  ///< LabConfig's defaults
  std::string output;              ///< --output; written when not empty (a plan's config has none)
  bool roofline = true;
  std::uint64_t seed = 0;
  std::vector<std::string> dim, shape;
  bool split = false;
  std::string provider = "cpu";
  std::vector<ExternalVariant> external_variants;
  std::string preprocessing_given;  ///< DescribePreprocessOverrides ("" = none given)
  bool verify = true, strict = false;
  // What a run or a plan adds; each written when set:
  std::string device;                  ///< the device label (a run's results.json)
  std::string earlier_study_moved_to;  ///< --force moved an earlier study there
  std::map<std::string, std::vector<std::int64_t>> model_input_sizes;  ///< model → input sizes measured
  std::map<std::string, std::string> preprocessing;  ///< model → DescribeLabPreprocess at its first size
  bool has_input_size_given = false;   ///< a plan's config records input_size_given
  bool input_size_given = false;
};
void to_json(nlohmann::json& j, const LabConfigRecord& c);
void from_json(const nlohmann::json& j, LabConfigRecord& c);

/// One unit of a plan: one interleaved group (shard.h) and its points' ids.
struct PlanUnit {
  std::int64_t unit = 0;
  std::string model;
  std::int64_t batch = 0, input_size = 0, threads = 0;
  std::vector<std::string> variants;
  std::vector<std::string> points;  ///< SweepPoint::Key() of each point
  bool extras = false;              ///< this unit's shard also evaluates and profiles its model
  int shard = -1;                   ///< written when the plan has a shard count (LabPlanFile::shards > 0)
};

/// A model of a plan: display name, spec and the input sizes it is measured at.
struct PlanModel {
  std::string name, spec;
  std::vector<std::int64_t> input_sizes;
};

/// plan.json (MakeLabPlanFile, shard.h): {"qbench_plan_version": 1, "config", "settings", "shards",
/// "points", "models", "units"}.
struct LabPlanFile {
  int qbench_plan_version = 0;  ///< 1; 0 when the file has none (not a plan)
  LabConfigRecord config;
  bool has_config = false;      ///< the file has a "config" object
  LabSettings settings;
  bool has_settings = false;    ///< the file has "settings"
  int shards = 0;               ///< the --shards count the plan was made for; 0 = chosen by each --shard I/N
  std::int64_t points = 0;
  std::vector<PlanModel> models;
  std::vector<PlanUnit> units;
};
void to_json(nlohmann::json& j, const LabPlanFile& p);
void from_json(const nlohmann::json& j, LabPlanFile& p);

}  // namespace qbench
