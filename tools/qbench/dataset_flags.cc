// The dataset and preprocessing flag groups shared by `qbench eval`, `sensitivity` and `quantize`.
#include "dataset_flags.h"

#include <fmt/format.h>

#include <cctype>

#include "command.h"
#include "flags.h"
#include "qbench/core/error.h"
#include "qbench/data/image.h"

namespace qbench::cli {
void AddPreprocessFlags(CLI::App* cmd, PreprocessFlags* f, const std::string& what) {
  // "Calibration/evaluation images: center crop ..." or, without `what`, "Center crop ...".
  auto on = [&what](std::string help) {
    if (what.empty()) help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
    return what.empty() ? help : what + ": " + help;
  };
  auto* preset = cmd->add_option("--preset", f->preset, on("preprocessing preset: imagenet, fashion-mnist (default: "
                                                            "fashion-mnist for .u8 data, else imagenet); the flags "
                                                            "below override it"));
  AddDeprecatedAlias(cmd, preset, "--preprocess");  // the lab's old spelling
  cmd->add_option("--resize", f->resize, on("shorter side in pixels (e.g. 256), or an exact WxH; 0 = no resize"));
  // NonNegativeValue: -1 is the "unset" marker inside, never a value a user may give.
  AddCountOption(cmd, "--crop", f->crop, on("center crop size in pixels (square); 0 = no crop"));
  AddCountOption(cmd, "--pad", f->pad, on("zero pixels added on every side after the crop"));
  cmd->add_option("--mean", f->mean, on("per-channel mean after /255, e.g. 0.485,0.456,0.406 (model channel order)"));
  cmd->add_option("--std", f->std_dev, on("per-channel std after /255, e.g. 0.229,0.224,0.225"));
  cmd->add_option("--layout", f->layout, on("NCHW or NHWC"));
  cmd->add_option("--channel-order", f->channel_order, on("RGB or BGR"));
  cmd->add_option("--channels", f->channels, on("3 (RGB; gray images replicated) or 1 (gray)"))
      ->check(NumericValue())
      ->check(CLI::IsMember({1, 3}));
}

void AddDatasetFlags(CLI::App* cmd, DatasetFlags* f, bool required) {
  // --eval-data, as in quantize and lab (one vocabulary); --dataset is the old spelling of eval and sensitivity.
  auto* d = AddEvalDataFlag(cmd, &f->spec.path,
                            "labels CSV (file,class_index,...), image folder, class-per-folder tree, raw .u8 "
                            "(Fashion-MNIST) or .npy file/folder");
  AddDeprecatedAlias(cmd, d, "--dataset");
  if (required) d->required();
  std::string formats;
  for (const auto& x : DatasetFormats()) formats += (formats.empty() ? "" : ", ") + x;
  cmd->add_option("--format", f->spec.format, "Dataset format: " + formats + " (default auto)");
  AddPreprocessFlags(cmd, f);
  cmd->add_option("--class-map", f->spec.class_map, "class-folders: wnid list (one per line) or CSV with wnid,class_index");
  cmd->add_option("--labels", f->spec.labels, "npy: labels file (.npy integers or raw .u8)");
  cmd->add_option("--seed", f->spec.seed, "Seed of the random subset drawn by --eval-limit (stratified by label; default 0)")
      ->check(NumericValue())
      ->check(NonNegativeValue());
}

PreprocessOptions BuildPreprocessOptions(const PreprocessFlags& f, const std::string& data_path,
                                         const std::string& format_flag) {
  std::string preset = f.preset;
  if (preset.empty()) {
    std::string format = format_flag;
    if (format == "auto" && !data_path.empty()) {
      try {
        format = DetectDatasetFormat(data_path);
      } catch (const Error&) {
        format = "auto";  // .npy layouts only calibration reads need no preprocessing; a missing path fails later
      }
    }
    preset = format == "fashion-mnist" || format == "raw-u8" ? "fashion-mnist" : "imagenet";
  }
  return ApplyPreprocessOverrides(PreprocessOptions::FromPreset(preset), f);
}

DatasetSpec BuildDatasetSpec(const DatasetFlags& f) {
  DatasetSpec spec = f.spec;
  // The dataset flag is required where a spec is built: its format is detected (errors propagate).
  const std::string format = spec.format == "auto" ? DetectDatasetFormat(spec.path) : spec.format;
  spec.preprocess = BuildPreprocessOptions(f, spec.path, format);
  return spec;
}

std::string DescribePreprocess(const PreprocessOptions& p) {
  auto list = [](const std::vector<float>& v) {
    std::string s;
    for (float x : v) s += (s.empty() ? "" : ",") + fmt::format("{:g}", x);
    return s;
  };
  std::string s = p.channels == 3 ? "RGB" : "gray";
  if (p.resize_width > 0) {
    s += fmt::format(", resize {}x{} (PIL bilinear)", p.resize_width, p.resize_height);
  } else if (p.resize_shorter > 0) {
    s += fmt::format(", shorter side {} (PIL bilinear)", p.resize_shorter);
  }
  if (p.crop > 0) s += fmt::format(", center crop {}", p.crop);
  if (p.pad > 0) s += fmt::format(", pad {}", p.pad);
  s += ", (x/255 - [" + list(p.mean) + "]) / [" + list(p.std) + "], " + p.layout;
  if (p.channels == 3) s += " " + p.channel_order;
  return s;
}

}  // namespace qbench::cli
