// qbench/lab/sweep.h — sweep axes ("1,2,4,8", "1-16*2", "1-8+1") and the ordered list of points a
// lab measures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qbench {

/// One axis of a sweep (batch size, input size, intra-op threads): a name for messages and the
/// values in the order the user gave them (duplicates removed, first occurrence kept).
struct SweepAxis {
  std::string name;                   ///< "batch", "input-size", "threads" (used in error messages)
  std::vector<std::int64_t> values;   ///< every value >= 1
};

/// Parses a comma-separated list of items, each one of
///   - `N`           a single value;
///   - `A-B`         A, A+1, …, B (arithmetic, step 1);
///   - `A-B+S`       A, A+S, A+2S, … up to B (arithmetic, step S >= 1);
///   - `A-B*M`       A, A·M, A·M², … up to B (geometric, factor M >= 2);
/// e.g. "1,2,4,8", "1-16*2" → 1,2,4,8,16, "1-8+1" → 1…8, "1,3-5" → 1,3,4,5. Whitespace around items
/// is ignored. Values must be integers >= 1 (at most 2^31 − 1). Syntax from llama.cpp's llama-bench
/// (tools/llama-bench/llama-bench.cpp, parse_int_range), which accepts the same first-last[+*]step.
/// Throws Error(kInvalidArgument) quoting `text`, the axis `name` and the bad item, and the expected
/// form, for: an empty list, a non-number, a value < 1, A > B, a step < 1, a factor < 2, or a
/// range that would produce more than 4096 values.
SweepAxis ParseSweepAxis(const std::string& name, const std::string& text);

/// Text of an axis in the compact list form, e.g. "1,2,4,8,16".
std::string SweepAxisToString(const SweepAxis& axis);

/// How the lab and its reports name an input size: "224 px" (H = W in pixels; "224" with unit =
/// false, for table cells under an "input" header), or "its own shape" for 0 (a model measured at its
/// file's shape: a non-square fixed image, or no image input such as token ids).
std::string InputSizeLabel(std::int64_t input_size, bool unit = true);

/// One measured configuration. `variant` is a lab variant name ("fp32", "dynamic", "static", …).
struct SweepPoint {
  std::string model;        ///< display name (ModelDisplayName of the spec), unique within a lab
  std::string variant;
  std::int64_t batch = 1;
  std::int64_t input_size = 0;  ///< spatial size H = W of image inputs; 0 = the model's own shape
  std::int64_t threads = 1;     ///< intra-op threads

  /// Stable identifier used by results.jsonl and --resume:
  /// "MODEL|VARIANT|b<batch>|s<input_size>|t<threads>", e.g. "resnet18|static|b8|s224|t2".
  std::string Key() const;
  /// The point a Key() names (the model may itself hold '|': the last four fields are read), or
  /// nullopt when `key` is not of that form (e.g. an id written by a newer qbench).
  static std::optional<SweepPoint> FromKey(const std::string& key);
  /// Key of the comparison group this point belongs to (Key() without the variant): the variants of
  /// one group are timed interleaved on identical inputs.
  std::string GroupKey() const;
  /// The point in words for warnings and logs (Key() stays the identifier in files):
  /// "VARIANT at batch B, SIZE, T thread(s)" with SIZE from InputSizeLabel, e.g.
  /// "static at batch 8, 224 px, 2 threads" or "fp32 at batch 1, its own shape, 1 thread".
  /// `variant_label` replaces the variant's name when not empty (a baseline's content label).
  std::string Label(const std::string& variant_label = "") const;
};

/// A group of points timed together (interleaved): one model, threads, input size and batch, and
/// every variant in the lab's order (the first is the baseline, normally "fp32").
struct SweepGroup {
  std::string model;
  std::int64_t batch = 1;
  std::int64_t input_size = 0;
  std::int64_t threads = 1;
  std::vector<std::string> variants;
  std::vector<SweepPoint> Points() const;
  /// Same as SweepPoint::GroupKey() of its points.
  std::string GroupKey() const;
};

/// Expands models × variants × threads × input sizes × batches into groups, ordered so that a model
/// is loaded and quantized once and sessions are created as rarely as possible:
/// model (outermost, in the given order) → threads (a new session per thread count) → input size →
/// batch (dynamic-shape sessions are reused across input sizes and batches) → variants inside a group.
/// Throws Error(kInvalidArgument) when a list is empty or a model or variant name repeats.
std::vector<SweepGroup> ExpandSweep(const std::vector<std::string>& models, const std::vector<std::string>& variants,
                                    const SweepAxis& threads, const SweepAxis& input_sizes, const SweepAxis& batches);

/// The points of all groups, in measuring order.
std::vector<SweepPoint> FlattenSweep(const std::vector<SweepGroup>& groups);

}  // namespace qbench
