// qbench/lab/shard.h — a lab split into shards (docs/scale-out.md): the plan file (plan.json: every
// point with its stable id, grouped into units that are timed together) and the deterministic
// assignment of units to shards. The device label and where a shard writes its results and models
// are in qbench/lab/device.h.
//
// A unit is one interleaved group (model, batch, input size, threads; every variant inside). Units are
// in the lab's measuring order (model outermost), and shard I of N takes a contiguous run of them, so
// a shard loads and quantizes each of its models once and touches as few models as it can.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/lab/config.h"
#include "qbench/lab/device.h"
#include "qbench/lab/lab.h"

namespace qbench {

/// Parses --shard "I/N" (0 <= I < N <= 4096). Throws Error(kInvalidArgument) quoting the text and
/// the expected form.
void ParseShardSpec(const std::string& text, int* index, int* count);

/// The shard (0 … count-1) of each unit: unit u of U goes to shard floor(u × count / U), so every
/// unit is in exactly one shard, each shard holds a contiguous run, and the runs differ in length by
/// at most one (shards past U are empty when count > U). Throws Error(kInvalidArgument) for count < 1.
std::vector<int> AssignShards(std::size_t units, int count);

/// DIR/plan.json.
std::string PlanJsonPath(const std::string& output_dir);

/// The plan file of `config`'s study (`qbench lab --plan`, LabPlanFile in lab_records.h): its config
/// (MakeLabConfigRecord with input_size_given, without output and device), its settings
/// (LabMeasurementSettings), the --shards count (0 = chosen by each --shard I/N), the total of points,
/// the models and the units (model, batch, input size, threads, variants, point ids; `extras`:
/// whether this unit's shard also evaluates accuracy and profiles ops of its model; `shard` when
/// shards > 0). Point ids are SweepPoint::Key(). Deterministic: the same flags give the same bytes
/// (no clock, no machine).
LabPlanFile MakeLabPlanFile(const LabConfig& config, const LabPlan& plan, int shards);

/// Rebuilds the LabConfig a plan file was made with (its config): the inverse of MakeLabConfigRecord
/// for the fields that define the study; the output folder is the plan's. Throws Error(kInvalidInput)
/// naming the plan file when it has no config object.
LabConfig LabConfigFromPlan(const LabPlanFile& plan, const std::string& plan_path);

/// Reads and parses a plan file. Throws Error(kNotFound) when absent, Error(kInvalidInput) naming the
/// file when it is not a qbench plan (no qbench_plan_version or units) or a key has the wrong type.
LabPlanFile ReadPlanFile(const std::string& path);

/// Differences between a plan file and the plan these flags make, one item each (settings as
/// DiffLabSettings words them; then the point ids: "the plan has 8 points, these flags 12", "point
/// 'x' is in the plan only"). Empty when they agree.
std::vector<std::string> DiffPlan(const LabPlanFile& plan_file, const LabPlanFile& now);

/// Restricts `plan` to shard config.shard_index of config.shard_count (no-op when shard_count is 0;
/// called by PlanLab before it estimates): moves every group to plan.study_groups, keeps that shard's
/// groups in plan.groups, and fills plan.model_extras (model → true when this shard evaluates its
/// accuracy and profiles its ops: the shard holding the model's profile unit, the smallest batch at
/// its first input size and first thread count).
void RestrictPlanToShard(const LabConfig& config, LabPlan* plan);

/// For a shard run, before anything is measured: when DIR/plan.json (or config.plan_file) exists, its
/// settings and points must equal those of `config` (DiffPlan), and its "shards" count, when set,
/// must equal config.shard_count. Throws Error(kInvalidArgument) in one line listing the differences
/// and the fix. Returns without checking when there is no plan file.
void CheckShardPlan(const LabConfig& config, const LabPlan& full_plan);

}  // namespace qbench
