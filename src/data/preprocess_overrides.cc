// Preprocessing values given over a preset (preprocess_overrides.h).
#include "qbench/data/preprocess_overrides.h"

#include <fmt/format.h>

#include <stdexcept>

#include "qbench/core/error.h"
#include "qbench/data/image.h"

namespace qbench {
namespace {

// Comma-separated numbers (empty items skipped, as the CLI's lists).
std::vector<float> ParseFloats(const std::string& text, const char* flag) {
  std::vector<std::string> items;
  std::string cur;
  for (char c : text + ",") {
    if (c != ',') {
      cur += c;
    } else if (!cur.empty()) {
      items.push_back(cur);
      cur.clear();
    }
  }
  std::vector<float> out;
  for (const auto& item : items) {
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

PreprocessOptions ApplyPreprocessOverrides(PreprocessOptions p, const PreprocessOverrides& o, bool validate) {
  if (!o.resize.empty()) {
    const auto x = o.resize.find('x');
    if (x == std::string::npos) {
      p.resize_shorter = ParsePixels(o.resize, "--resize", o.resize, 0);
      p.resize_width = p.resize_height = 0;
    } else {  // an exact size: 0x0 would silently mean "no resize"
      p.resize_width = ParsePixels(o.resize.substr(0, x), "--resize", o.resize, 1);
      p.resize_height = ParsePixels(o.resize.substr(x + 1), "--resize", o.resize, 1);
    }
  }
  if (o.crop >= 0) p.crop = o.crop;
  if (o.pad >= 0) p.pad = o.pad;
  if (o.channels > 0) p.channels = o.channels;
  if (!o.mean.empty()) p.mean = ParseFloats(o.mean, "--mean");
  if (!o.std_dev.empty()) p.std = ParseFloats(o.std_dev, "--std");
  if (!o.layout.empty()) p.layout = o.layout;
  if (!o.channel_order.empty()) p.channel_order = o.channel_order;
  if (validate) ValidatePreprocessOptions(p);
  return p;
}

std::string DescribePreprocessOverrides(const PreprocessOverrides& o) {
  std::string s;
  auto add = [&s](const std::string& flag, const std::string& v) { s += (s.empty() ? "" : ", ") + flag + " " + v; };
  if (!o.resize.empty()) add("--resize", o.resize);
  if (o.crop >= 0) add("--crop", std::to_string(o.crop));
  if (o.pad >= 0) add("--pad", std::to_string(o.pad));
  if (!o.mean.empty()) add("--mean", o.mean);
  if (!o.std_dev.empty()) add("--std", o.std_dev);
  if (!o.layout.empty()) add("--layout", o.layout);
  if (!o.channel_order.empty()) add("--channel-order", o.channel_order);
  if (o.channels > 0) add("--channels", std::to_string(o.channels));
  return s;
}

}  // namespace qbench
