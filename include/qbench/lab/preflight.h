// qbench/lab/preflight.h — what a lab checks before it measures anything: that its models load and
// its data paths exist (CheckLabInputs); which settings define what a point's numbers mean, and
// whether a study being resumed was measured with the same ones (LabMeasurementSettings,
// DiffLabSettings, CheckResumeSettings); and the warnings its settings deserve (LabConfigWarnings).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/lab/config.h"
#include "qbench/lab/results.h"
#include "qbench/model/model.h"

namespace qbench {

/// Checks, before anything is measured (and in --dry-run), every input a lab reads:
///  - each model spec: "zoo:NAME" must name a zoo model; a path must load and parse as an ONNX
///    model (LoadModel: a missing file, a folder, an empty file or bytes that are no ModelProto fail);
///  - --eval-data must exist and open as a dataset (OpenDataset) with at least one sample;
///  - --calibration-data must exist and fit each model (CheckCalibrationDataFitsModels);
///  - the evaluation data fits each model (CheckEvalDataFitsModels).
/// Throws Error(kNotFound) naming the flag and the path for a data path that does not exist (exit 1);
/// the loader's Error (kNotFound, kInvalidInput, …) with "--models: " / "--eval-data 'PATH': " in
/// front for a model or dataset that cannot be read.
void CheckLabInputs(const LabConfig& config);

/// Refuses a model listed twice in --models, which would be measured twice under two names
/// ("x" and "x_2"): the same "zoo:NAME", the same file (equal paths after std::filesystem::
/// weakly_canonical, or std::filesystem::equivalent: symlinks and hard links), or two files of equal
/// size whose FileChecksum (FNV-1a, core/fs.h) is equal. Files that do not exist are skipped (the
/// loader names them). Two different files sharing a basename are fine ("a/x.onnx", "b/x.onnx").
/// Throws Error(kInvalidArgument) "--models lists the same model twice: 'A' and 'B' (...)".
void RefuseRepeatedModelFiles(const std::vector<std::string>& specs);

/// True when `dir` holds a lab study: its results.jsonl or results.json exists.
bool HoldsStudy(const std::string& dir);

/// The output-folder rules, checked before anything is measured (and by --dry-run):
///  - a folder holding a study (HoldsStudy) without config.resume or config.force is refused:
///    Error(kInvalidArgument) "--output 'DIR' already holds a study (...); give --resume to continue
///    it, --force to move it to a dated folder and start afresh, or another --output";
///  - config.resume into a folder without results.jsonl is refused (Error(kInvalidArgument)): there
///    is nothing to resume, and measuring everything would hide a mistyped folder;
///  - config.resume with config.force is a usage error;
///  - an output that cannot be made or written is refused (Error(kInvalidArgument), exit 2) naming
///    the path: its first existing part (the folder or a parent) is a file, or a folder this user
///    cannot write.
void CheckOutputFolder(const LabConfig& config);

/// Moves the study files of `dir` (results.jsonl, results.json, results.csv, report.md,
/// report.html, plots/, models/, and any *.previous) into a new folder beside it named
/// "<dir>.<YYYYmmdd-HHMMSS>" (with "-2", "-3" ... appended if that exists) and returns its path.
/// Other files in `dir` stay. Returns "" when `dir` holds no study. Throws Error(kIo) naming the
/// file that could not be moved.
std::string MoveStudyAside(const std::string& dir);

/// The class count a model's first output scores: C for a float output [N, C] or [N, C, 1, 1] with
/// C fixed; 0 when C is dynamic or the output has no shape; -1 when the output is not shaped like
/// class scores (then the lab falls back to label-free fidelity against the baseline). `output`
/// receives "'name' [N,C]" for messages.
std::int64_t ClassCount(const Model& model, std::string* output);

/// With --eval-data, for each model, before anything is measured (called by CheckLabInputs): sample
/// 0, preprocessed as the lab will (LabPreprocess at the model's size), must fit the model's input
/// (CheckDatasetFitsModel: its exit codes), and the labels must be the model's classes: a label >=
/// ClassCount is Error(kInvalidArgument) ("the labels go up to 999 ... but the model scores 10
/// classes"), not a warning next to a meaningless accuracy.
void CheckEvalDataFitsModels(const LabConfig& config);

/// With --calibration-data (without --split) and a calibrated variant, for each model, before anything
/// is measured (called by CheckLabInputs): the calibration reader the static variants use
/// (MakeCalibrationDataReader, images preprocessed as LabPreprocess at the model's size) opens and
/// gives its first batch, so a sample whose shape or dtype does not fit the model input fails here
/// with the reader's Error and code (kInvalidArgument for preprocessed images, kInvalidInput for .npy
/// files), prefixed "--calibration-data 'PATH' and model 'NAME': ", instead of failing every static point.
void CheckCalibrationDataFitsModels(const LabConfig& config);

/// What identifies a file or folder between runs: its absolute path and, for a file, its size and
/// modification time (from stat); for a folder the regular files below it (recursively, at most
/// 100,000 counted), their total size and the newest modification time; `missing` when absent.
/// Never throws.
FileIdentity PathIdentity(const std::string& path);

/// The settings that define what a lab's points, model files and accuracies mean, written as the
/// "settings" record of results.jsonl (LabSettings, lab_records.h): repetitions, warmup_runs, seed
/// (zoo weights, inputs, random calibration), baseline_variant (the first of --variants: every
/// speedup is against it), preprocess (LabPreprocessPreset), calibration_data (PathIdentity, or none
/// for random data), calibration_size, calibration_method, eval_data (PathIdentity or none),
/// eval_limit, split, provider, the models (spec, and for a model file its PathIdentity and checksum;
/// the files of its --compare-file variants), the preprocessing flags given and --no-verify. Sweep
/// values (batch, input size, threads, variants) are not settings: they are part of each point's key.
LabSettings LabMeasurementSettings(const LabConfig& config);

/// The calibration method a "calibration_method" setting means: "" (not given: the quantizer's
/// default, CalibrationOptions::method) maps to that method's name ("percentile"), so a study run
/// with the default and one given `--calibration-method percentile` compare equal (DiffLabSettings,
/// and `qbench report`'s DiffMergeSettings). Any other value is returned as given.
std::string EffectiveCalibrationMethod(const std::string& setting);

/// Calls fn(key, flag, a's value, b's value) for each setting of LabSettings but the models, in the
/// field list's order: `key` as written in JSON ("repetitions"), `flag` as the command line gives it
/// ("--repetitions"); calibration_method as EffectiveCalibrationMethod. The one list that --resume's
/// DiffLabSettings and `qbench report`'s DiffMergeSettings compare.
template <typename Fn>
void ForEachSetting(const LabSettings& a, const LabSettings& b, Fn&& fn) {
  fn("repetitions", "--repetitions", a.repetitions, b.repetitions);
  fn("warmup_runs", "--warmup-runs", a.warmup_runs, b.warmup_runs);
  fn("seed", "--seed", a.seed, b.seed);
  fn("baseline_variant", "the baseline variant (first of --variants)", a.baseline_variant, b.baseline_variant);
  fn("preprocess", "--preset", a.preprocess, b.preprocess);
  fn("calibration_data", "--calibration-data", a.calibration_data, b.calibration_data);
  fn("calibration_size", "--calibration-size", a.calibration_size, b.calibration_size);
  fn("calibration_method", "--calibration-method", EffectiveCalibrationMethod(a.calibration_method),
     EffectiveCalibrationMethod(b.calibration_method));
  fn("eval_data", "--eval-data", a.eval_data, b.eval_data);
  fn("eval_limit", "--eval-limit", a.eval_limit, b.eval_limit);
  fn("split", "--split", a.split, b.split);
  fn("provider", "--provider", a.provider, b.provider);
  fn("preprocessing", "the preprocessing flags (--resize, --crop, --pad, --mean, --std, --layout, --channel-order, --channels)",
     a.preprocessing, b.preprocessing);
  fn("no_verify", "--no-verify", a.no_verify, b.no_verify);
  fn("weight_range", "--weight-range", a.weight_range.empty() ? std::string("auto") : a.weight_range,
     b.weight_range.empty() ? std::string("auto") : b.weight_range);
}

/// Differences between the settings of an earlier run and this one, one human-readable item each,
/// e.g. "--repetitions 3 earlier, 5 now", "model 'x': file 'a/x.onnx' changed since the earlier run
/// (size or modification time)". Models present in only one of them are no difference (a study may
/// grow by models). A setting newer than the earlier run's qbench reads as its default there (split
/// off, provider "cpu", verification on, no preprocessing flags). Empty when they match.
std::vector<std::string> DiffLabSettings(const LabSettings& earlier, const LabSettings& now);

/// For --resume (and --dry-run --resume): refuses to mix measurements made under other settings.
/// Returns when `previous` holds no measurements or its settings match LabMeasurementSettings(config).
/// Throws Error(kInvalidArgument) listing every differing setting (DiffLabSettings), or saying the
/// file has no settings record (written by an older qbench), and suggesting a new --output folder
/// or dropping --resume.
void CheckResumeSettings(const LabConfig& config, const JsonlRecords& previous);

/// True when the two data paths name the same dataset: the same file or folder once made absolute
/// and canonical, or a file directly inside the other, a folder (e.g. `data/` and `data/labels.csv`).
bool SameDataset(const std::string& a, const std::string& b);

/// Warnings that follow from the settings alone (also printed by --dry-run):
///  - "median_ci_below_95": repetitions < 6, so the median's order-statistic interval is the
///    [min, max] of the runs, with a true coverage below 95 % (MedianConfidenceInterval's level,
///    e.g. 75 % for k = 3);
///  - "calibration_ignored": calibration data or method given, but no static variant to calibrate;
///  - "random_calibration": static variants calibrated on random input although --eval-data is given
///    (no --calibration-data, no --split): their accuracy can collapse (the report then says why);
///  - "calibration_overlaps_eval": static variants calibrated on the evaluation set (SameDataset),
///    which flatters their accuracy. The lab warns rather than splitting the data.
std::vector<LabWarning> LabConfigWarnings(const LabConfig& config);

}  // namespace qbench
