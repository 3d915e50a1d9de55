// The dataset and preprocessing flag groups shared by `qbench eval`, `sensitivity` and `quantize`.
#include "dataset_flags.h"

#include <fmt/format.h>

#include <cctype>

#include "command.h"
#include "flags.h"
#include "qbench/core/error.h"
#include "qbench/eval/image.h"

namespace qbench::cli {
namespace {

std::vector<float> ParseFloats(const std::string& text, const char* flag) {
  std::vector<float> out;
  for (const auto& item : SplitList(text)) {
    try {
      std::size_t pos = 0;
      out.push_back(std::stof(item, &pos));
      if (pos != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument, std::string(flag) + " '" + text + "': '" + item +
                                                   "' is not a number; expected e.g. 0.485,0.456,0.406");
    }
  }
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, std::string(flag) + " is empty; expected 1 or 3 numbers");
  return out;
}

// A whole number of pixels >= `min`; `text` is the part being parsed, `whole` the flag's value.
int ParsePixels(const std::string& text, const std::string& flag, const std::string& whole, int min) {
  try {
    std::size_t pos = 0;
    const int v = std::stoi(text, &pos);
    if (pos == text.size() && v >= min) return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kInvalidArgument,
              flag + " '" + whole + "': " +
                  (min > 0 ? "width and height must be whole numbers of pixels >= 1 (e.g. 224x224)"
                           : "expected a whole number of pixels >= 0 for the shorter side (0 = no resize), or WxH"));
}

}  // namespace

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
  auto* d = cmd->add_option("--dataset", f->dataset,
                            "labels CSV (file,class_index,...), image folder, class-per-folder tree, raw .u8 "
                            "(Fashion-MNIST) or .npy file/folder");
  if (required) d->required();
  std::string formats;
  for (const auto& x : DatasetFormats()) formats += (formats.empty() ? "" : ", ") + x;
  cmd->add_option("--format", f->format, "Dataset format: " + formats + " (default auto)");
  AddPreprocessFlags(cmd, f);
  cmd->add_option("--class-map", f->class_map, "class-folders: wnid list (one per line) or CSV with wnid,class_index");
  cmd->add_option("--labels", f->labels, "npy: labels file (.npy integers or raw .u8)");
  cmd->add_option("--seed", f->seed, "Seed of the random subset drawn by --eval-limit (stratified by label; default 0)")
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
  PreprocessOptions p = PreprocessOptions::FromPreset(preset);
  if (!f.resize.empty()) {
    const auto x = f.resize.find('x');
    if (x == std::string::npos) {
      p.resize_shorter = ParsePixels(f.resize, "--resize", f.resize, 0);
      p.resize_width = p.resize_height = 0;
    } else {  // an exact size: 0x0 would silently mean "no resize"
      p.resize_width = ParsePixels(f.resize.substr(0, x), "--resize", f.resize, 1);
      p.resize_height = ParsePixels(f.resize.substr(x + 1), "--resize", f.resize, 1);
    }
  }
  if (f.crop >= 0) p.crop = f.crop;
  if (f.pad >= 0) p.pad = f.pad;
  if (f.channels > 0) p.channels = f.channels;
  if (!f.mean.empty()) p.mean = ParseFloats(f.mean, "--mean");
  if (!f.std_dev.empty()) p.std = ParseFloats(f.std_dev, "--std");
  if (!f.layout.empty()) p.layout = f.layout;
  if (!f.channel_order.empty()) p.channel_order = f.channel_order;
  ValidatePreprocessOptions(p);
  return p;
}

DatasetSpec BuildDatasetSpec(const DatasetFlags& f) {
  DatasetSpec spec;
  spec.path = f.dataset;
  spec.format = f.format;
  spec.class_map = f.class_map;
  spec.labels = f.labels;
  spec.seed = f.seed;
  // The dataset flag is required where a spec is built: its format is detected (errors propagate).
  const std::string format = f.format == "auto" ? DetectDatasetFormat(f.dataset) : f.format;
  spec.preprocess = BuildPreprocessOptions(f, f.dataset, format);
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
