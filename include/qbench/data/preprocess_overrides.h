// qbench/data/preprocess_overrides.h — the preprocessing settings a user gives on top of a preset
// (the --preset, --resize, --crop, --pad, --mean, --std, --layout, --channel-order, --channels flags
// of eval, quantize, sensitivity and lab, and the same keys of the lab's TOML file), parsed once here.
#pragma once

#include <string>

#include "qbench/data/dataset.h"

namespace qbench {

/// Preprocessing values as typed; empty strings and negative/zero markers mean "not given".
struct PreprocessOverrides {
  std::string preset;         ///< "imagenet", "fashion-mnist" (PreprocessOptions::FromPreset); "" = by the data
  std::string resize;         ///< shorter side in pixels ("256", "0" = no resize) or an exact "WxH"
  std::string mean, std_dev;  ///< "0.485,0.456,0.406": 1 or 3 numbers, after scaling to [0,1]
  std::string layout;         ///< "NCHW" or "NHWC"
  std::string channel_order;  ///< "RGB" or "BGR"
  int crop = -1;              ///< center crop, pixels (square); 0 = no crop; -1 = not given
  int pad = -1;               ///< zero pixels on every side after the crop; -1 = not given
  int channels = 0;           ///< 3 or 1; 0 = not given
  /// True when any value other than the preset is given.
  bool AnyGiven() const {
    return !resize.empty() || !mean.empty() || !std_dev.empty() || !layout.empty() || !channel_order.empty() ||
           crop >= 0 || pad >= 0 || channels > 0;
  }
};

/// `base` with every value given in `o` put over it (the preset is not applied here), then, with
/// `validate`, checked as a whole (ValidatePreprocessOptions: channel counts of mean/std, layout, …).
/// Throws Error(kInvalidArgument) naming the flag (--resize, --mean, …) and quoting the value for a
/// malformed one: a resize that is neither a whole number >= 0 nor WxH with W, H >= 1, a mean/std
/// that is not a comma-separated list of numbers. Without `validate` only those are checked (for
/// settings whose preset is not known yet, e.g. while reading a config file).
PreprocessOptions ApplyPreprocessOverrides(PreprocessOptions base, const PreprocessOverrides& o, bool validate = true);

/// The given values as "--resize 183, --mean 0.5,0.5,0.5" (flag spelling, in a fixed order); "" when none.
std::string DescribePreprocessOverrides(const PreprocessOverrides& o);

}  // namespace qbench
