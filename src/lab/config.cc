#include "qbench/core/text.h"
#include "qbench/lab/config.h"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/zoo/zoo.h"
#include "qbench/data/dataset.h"
#include "qbench/quantization/quantizer.h"

namespace qbench {

std::vector<LabModel> LabModels(const std::vector<std::string>& specs) {
  std::vector<LabModel> out;
  std::map<std::string, int> seen;
  for (const auto& spec : specs) {
    std::string name = ModelDisplayName(spec);
    const int n = ++seen[name];
    if (n > 1) name += "_" + std::to_string(n);
    out.push_back(LabModel{spec, name});
  }
  return out;
}

const std::vector<LabVariantInfo>& LabVariants() {
  static const std::vector<LabVariantInfo> k = [] {
    std::vector<LabVariantInfo> v;
    v.push_back({"fp32", nullptr, Granularity::kNone, WeightGranularity::kDefault, "the model as given (fp32 baseline)", 1.0});
    for (const auto& s : QuantizationSchemes()) {
      v.push_back({s.name, &s, s.granularity, WeightGranularity::kDefault, s.description, s.speed_vs_fp32});
      for (const LabAlternative& a : s.lab_alternatives) {
        const bool per_tensor = a.granularity == Granularity::kPerTensor;
        v.push_back({std::string(s.name) + "-" + GranularityName(a.granularity), &s, a.granularity,
                     per_tensor ? WeightGranularity::kPerTensor : WeightGranularity::kPerChannel,
                     std::string(s.name) + " with " + (per_tensor ? "one scale per weight tensor" : "one scale per output channel") +
                         " (quantize --mode " + s.name + (per_tensor ? " --per-tensor)" : " --per-channel)"),
                     a.speed_vs_fp32});
      }
      if (s.lab_auto_search)
        v.push_back({"auto", &s, s.granularity, WeightGranularity::kDefault,
                     std::string("quantize --auto's choice: the fastest ") + s.name +
                         " int8 configuration within --auto-max-drop that beats fp32 here, or the model unchanged",
                     s.speed_vs_fp32, /*auto_search=*/true});
    }
    return v;
  }();
  return k;
}

const LabVariantInfo& FindLabVariant(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& v : LabVariants()) {
    if (name == v.name) return v;
    names.push_back(v.name);
  }
  throw Error(ErrorCode::kInvalidArgument, UnknownChoice("variant", name, names));
}

const LabVariantInfo* LookupLabVariant(const std::string& name) {
  for (const auto& v : LabVariants())
    if (name == v.name) return &v;
  return nullptr;
}

ExternalVariant ParseCompareFile(const std::string& text) {
  const std::string form = "--compare-file '" + text + "': expected MODEL:LABEL=PATH, e.g. "
                           "--compare-file mobilenetv2.onnx:zoo-int8=mobilenetv2-12-int8.onnx";
  const auto eq = text.find('=');
  if (eq == std::string::npos) throw Error(ErrorCode::kInvalidArgument, form + " (no '=')");
  const auto colon = text.rfind(':', eq);
  if (colon == std::string::npos) throw Error(ErrorCode::kInvalidArgument, form + " (no ':' before the '=')");
  ExternalVariant e{text.substr(0, colon), text.substr(colon + 1, eq - colon - 1), text.substr(eq + 1)};
  if (e.model.empty()) throw Error(ErrorCode::kInvalidArgument, form + " (MODEL is empty)");
  if (e.path.empty()) throw Error(ErrorCode::kInvalidArgument, form + " (PATH is empty)");
  if (e.label.empty()) throw Error(ErrorCode::kInvalidArgument, form + " (LABEL is empty)");
  for (char c : e.label)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      throw Error(ErrorCode::kInvalidArgument, form + " (LABEL '" + e.label + "' may hold letters, digits, '.', '_' and '-' only)");
  if (LookupLabVariant(e.label))
    throw Error(ErrorCode::kInvalidArgument, form + " (LABEL '" + e.label + "' is one of qbench's own variants; pick another name)");
  return e;
}

bool ExternalVariantOf(const ExternalVariant& e, const std::string& name, const std::string& spec) {
  const auto slash = spec.find_last_of('/');
  return e.model == spec || e.model == name || (slash != std::string::npos && e.model == spec.substr(slash + 1));
}

std::vector<std::string> LabVariantsFor(const LabConfig& config, const std::string& name, const std::string& spec) {
  std::vector<std::string> v = config.variants;
  for (const auto& e : config.external)
    if (ExternalVariantOf(e, name, spec)) v.push_back(e.label);
  return v;
}

const ExternalVariant* FindExternalVariant(const LabConfig& config, const std::string& name, const std::string& spec,
                                           const std::string& label) {
  for (const auto& e : config.external)
    if (ExternalVariantOf(e, name, spec) && e.label == label) return &e;
  return nullptr;
}

std::int64_t DefaultThreadCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return 1;
}

SweepAxis ParseThreadsAxis(const std::string& name, const std::string& text) {
  std::string mapped;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto first = item.find_first_not_of(" \t"), last = item.find_last_not_of(" \t");
    if (first != std::string::npos && item.substr(first, last - first + 1) == "0") item = std::to_string(DefaultThreadCount());
    mapped += (start == 0 ? "" : ",") + item;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  SweepAxis axis = ParseSweepAxis(name, mapped);
  return axis;
}

LabConfig DefaultLabConfig() {
  LabConfig c;
  c.threads.values = {DefaultThreadCount()};
  return c;
}

namespace {

std::string Where(const std::string& path, const std::string& key) { return "config file '" + path + "', key '" + key + "'"; }

std::vector<std::string> StringList(const toml::node& node, const std::string& path, const std::string& key) {
  std::vector<std::string> out;
  if (const auto* s = node.as_string()) {
    std::stringstream ss(s->get());
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
    return out;
  }
  const auto* arr = node.as_array();
  if (!arr) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": expected an array of strings");
  for (const auto& el : *arr) {
    const auto* s = el.as_string();
    if (!s) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": every element must be a string");
    out.push_back(s->get());
  }
  return out;
}

SweepAxis Axis(const toml::node& node, const std::string& path, const std::string& key, const std::string& axis_name) {
  const auto parse = [&](const std::string& text) {
    return axis_name == "threads" ? ParseThreadsAxis(axis_name, text) : ParseSweepAxis(axis_name, text);
  };
  if (const auto* s = node.as_string()) return parse(s->get());
  if (const auto* i = node.as_integer()) return parse(std::to_string(i->get()));
  const auto* arr = node.as_array();
  if (!arr) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": expected a list like [1, 2, 4] or a string like \"1-16*2\"");
  std::string text;
  for (const auto& el : *arr) {
    std::string item;
    if (const auto* i = el.as_integer()) item = std::to_string(i->get());
    else if (const auto* s = el.as_string()) item = s->get();
    else throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": elements must be integers or range strings");
    text += (text.empty() ? "" : ",") + item;
  }
  return parse(text);
}

std::int64_t Int(const toml::node& node, const std::string& path, const std::string& key) {
  const auto* i = node.as_integer();
  if (!i) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": expected an integer");
  return i->get();
}

std::string Str(const toml::node& node, const std::string& path, const std::string& key) {
  const auto* s = node.as_string();
  if (!s) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": expected a string");
  return s->get();
}

// A list of numbers as the flags take it: "0.485,0.456,0.406", or a TOML array of numbers.
std::string Numbers(const toml::node& node, const std::string& path, const std::string& key) {
  if (const auto* s = node.as_string()) return s->get();
  const auto* arr = node.as_array();
  if (!arr) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": expected a list of numbers like [0.485, 0.456, 0.406]");
  std::string text;
  for (const auto& el : *arr) {
    double v = 0;
    if (const auto* f = el.as_floating_point()) v = f->get();
    else if (const auto* i = el.as_integer()) v = static_cast<double>(i->get());
    else throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": every element must be a number");
    std::ostringstream os;
    os.precision(9);
    os << v;
    text += (text.empty() ? "" : ",") + os.str();
  }
  return text;
}

bool Bool(const toml::node& node, const std::string& path, const std::string& key) {
  const auto* b = node.as_boolean();
  if (!b) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": expected true or false");
  return b->get();
}

// A path written in the config file, resolved against the file's folder (not the current folder):
// "net.onnx" in cfg/lab.toml is cfg/net.onnx. Absolute paths, "zoo:NAME" and "" are kept as written.
std::string FromConfigFolder(const std::string& config_path, const std::string& value) {
  if (value.empty() || value.rfind("zoo:", 0) == 0 || value[0] == '/') return value;
  return (std::filesystem::path(DirName(config_path)) / value).lexically_normal().string();
}

}  // namespace

void ApplyLabConfigFile(const std::string& path, LabConfig* config) {
  const std::string text = ReadFileBytes(path);  // kNotFound / kInvalidInput for a directory
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw Error(ErrorCode::kInvalidInput, "config file '" + path + "' is not valid TOML (line " + std::to_string(b.line) +
                                              ", column " + std::to_string(b.column) + "): " + std::string(e.description()));
  }
  static const std::set<std::string> kKnown = {
      "models", "variants", "batch", "input_size", "threads", "repetitions", "warmup_runs", "output", "eval_data",
      "eval_limit", "preprocess", "calibration_data", "calibration_size", "calibration_method", "weight_range", "roofline",
      "roofline_cache", "seed", "dim", "shape", "split", "provider", "sysfs_root", "compare_file", "resize", "crop", "pad",
      "mean", "std", "layout", "channel_order", "channels", "verify", "strict"};
  for (const auto& [k, node] : table) {
    const std::string key(k.str());
    if (!kKnown.count(key)) {
      std::string known;
      for (const auto& n : kKnown) known += (known.empty() ? "" : ", ") + n;
      throw Error(ErrorCode::kInvalidArgument, "config file '" + path + "': unknown key '" + key + "'; known keys: " + known);
    }
    try {
      const auto rel = [&](const std::string& v) { return FromConfigFolder(path, v); };
      if (key == "models") {
        config->models = StringList(node, path, key);
        for (auto& m : config->models) m = rel(m);
      }
      else if (key == "variants") config->variants = StringList(node, path, key);
      else if (key == "batch") config->batches = Axis(node, path, key, "batch");
      else if (key == "input_size") {
        config->input_sizes = Axis(node, path, key, "input-size");
        config->input_size_given = true;
      }
      else if (key == "threads") config->threads = Axis(node, path, key, "threads");
      else if (key == "repetitions") config->repetitions = static_cast<int>(Int(node, path, key));
      else if (key == "warmup_runs") config->warmup_runs = static_cast<int>(Int(node, path, key));
      else if (key == "output") config->output_dir = rel(Str(node, path, key));
      else if (key == "eval_data") config->eval_data = rel(Str(node, path, key));
      else if (key == "eval_limit") {
        const auto v = Int(node, path, key);
        if (v < 0) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": must be >= 0");
        config->eval_limit = static_cast<std::size_t>(v);
      } else if (key == "preprocess") {
        config->preprocess = Str(node, path, key);
        PreprocessOptions::FromPreset(config->preprocess);  // an unknown preset names the file and key
      }
      else if (key == "calibration_data") config->calibration_data = rel(Str(node, path, key));
      else if (key == "calibration_size") {
        const auto v = Int(node, path, key);
        if (v < 1) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": must be >= 1");
        config->calibration_size = static_cast<std::size_t>(v);
      } else if (key == "calibration_method") {
        config->calibration_method = Str(node, path, key);
        ParseCalibrationMethod(config->calibration_method);
      } else if (key == "weight_range") {
        try {
          config->weight_range = ParseWeightRange(Str(node, path, key));
        } catch (const Error& e) {
          throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": " + e.what());
        }
      }
      else if (key == "resize") {
        config->preprocessing.resize = node.as_integer() ? std::to_string(Int(node, path, key)) : Str(node, path, key);
      } else if (key == "crop" || key == "pad" || key == "channels") {
        const auto v = Int(node, path, key);
        if (v < (key == "channels" ? 1 : 0)) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": must be >= " + (key == "channels" ? "1" : "0"));
        (key == "crop" ? config->preprocessing.crop : key == "pad" ? config->preprocessing.pad : config->preprocessing.channels) = static_cast<int>(v);
      } else if (key == "mean" || key == "std") {
        (key == "mean" ? config->preprocessing.mean : config->preprocessing.std_dev) = Numbers(node, path, key);
      } else if (key == "layout") config->preprocessing.layout = Str(node, path, key);
      else if (key == "channel_order") config->preprocessing.channel_order = Str(node, path, key);
      else if (key == "verify") config->verify = Bool(node, path, key);
      else if (key == "strict") config->strict = Bool(node, path, key);
      else if (key == "roofline") config->roofline = Bool(node, path, key);
      else if (key == "split") config->split = Bool(node, path, key);
      else if (key == "roofline_cache") config->roofline_cache = rel(Str(node, path, key));
      else if (key == "dim") config->dims = StringList(node, path, key);
      else if (key == "shape") config->shapes = StringList(node, path, key);
      else if (key == "provider") config->provider = Str(node, path, key);
      else if (key == "sysfs_root") config->sysfs_root = rel(Str(node, path, key));
      else if (key == "compare_file") {
        config->external.clear();
        for (const auto& item : StringList(node, path, key)) {
          config->external.push_back(ParseCompareFile(item));
          config->external.back().path = rel(config->external.back().path);
        }
      }
      else if (key == "seed") {
        const auto v = Int(node, path, key);
        if (v < 0) throw Error(ErrorCode::kInvalidArgument, Where(path, key) + ": must be >= 0");
        config->seed = static_cast<std::uint64_t>(v);
      }
    } catch (const Error& e) {
      if (std::string(e.what()).find("config file") != std::string::npos) throw;
      throw Error(e.code(), Where(path, key) + ": " + e.what());
    }
  }
  try {
    ApplyPreprocessOverrides(PreprocessOptions{}, config->preprocessing, false);  // a malformed value, named with its key
  } catch (const Error& e) {
    throw Error(e.code(), "config file '" + path + "': " + e.what() + " (the key without the dashes)");
  }
  for (const auto& v : config->variants) {
    try {
      FindLabVariant(v);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInvalidArgument, Where(path, "variants") + ": " + e.what());
    }
  }
}

ShapeOverrides LabShapeOverrides(const LabConfig& config) { return ParseShapeAndDimFlags(config.shapes, config.dims); }

void ValidateLabConfig(const LabConfig& c) {
  auto fail = [](const std::string& m) { throw Error(ErrorCode::kInvalidArgument, m); };
  if (c.models.empty()) fail("no models to measure; give --models zoo:resnet18,model.onnx (or `models` in the config file)");
  if (c.variants.empty()) fail("no variants to measure; give --variants fp32,static");
  std::set<std::string> seen;
  for (const auto& v : c.variants) {
    FindLabVariant(v);
    if (!seen.insert(v).second) fail("variant '" + v + "' is listed twice in --variants");
  }
  if (c.repetitions < 1) fail("--repetitions must be >= 1, got " + std::to_string(c.repetitions));
  if (c.warmup_runs < 0) fail("--warmup-runs must be >= 0, got " + std::to_string(c.warmup_runs));
  if (c.calibration_size < 1) fail("--calibration-size must be >= 1");
  if (!(c.auto_max_drop_points >= 0 && c.auto_max_drop_points <= 100))
    fail(fmt::format("--auto-max-drop {:g}: expected percentage points of top-1 agreement in [0, 100] (default 1)",
                     c.auto_max_drop_points));
  if (!(c.auto_time_budget_s >= 0 && std::isfinite(c.auto_time_budget_s)))
    fail(fmt::format("--auto-time-budget {:g}: expected seconds >= 0 (0 = none; default 300)", c.auto_time_budget_s));
  if (!c.calibration_method.empty()) {
    try {
      ParseCalibrationMethod(c.calibration_method);
    } catch (const Error& e) {
      fail(std::string("--calibration-method: ") + e.what());
    }
  }
  if (!c.preprocess.empty()) {
    try {
      PreprocessOptions::FromPreset(c.preprocess);
    } catch (const Error& e) {
      fail(std::string("--preset: ") + e.what());
    }
  }
  ApplyPreprocessOverrides(PreprocessOptions{}, c.preprocessing, false);  // names the flag of a malformed value
  if (c.strict && !c.verify)
    fail("--strict refuses a variant that verification finds collapsed, but --no-verify skips verification; give one");
  if (c.output_dir.empty()) fail("--output must name a folder");
  LabShapeOverrides(c);  // a malformed --dim/--shape, quoted with the expected form
  if (c.resume && c.force) fail("--resume and --force contradict each other: --resume continues the study in the output "
                                "folder, --force moves it aside and starts afresh; give one");
  if (c.split && c.eval_data.empty())
    fail("--split divides --eval-data into calibration and evaluation parts; give --eval-data");
  if (c.split && !c.calibration_data.empty() && c.calibration_data != c.eval_data)
    fail("--split calibrates on a part of --eval-data, but --calibration-data names another dataset ('" +
         c.calibration_data + "'); drop one of them");
  if (c.provider.empty()) fail("--provider must name an execution provider (e.g. cpu)");
  for (std::size_t i = 0; i < c.external.size(); ++i) {
    const auto& e = c.external[i];
    if (LookupLabVariant(e.label)) fail("--compare-file label '" + e.label + "' is one of qbench's own variants; pick another name");
    if (std::find(c.variants.begin(), c.variants.end(), e.label) != c.variants.end())
      fail("--compare-file label '" + e.label + "' is also in --variants; pick another name");
    for (std::size_t k = 0; k < i; ++k)
      if (c.external[k].model == e.model && c.external[k].label == e.label)
        fail("--compare-file " + e.model + ":" + e.label + " is given twice; give each external variant one label");
  }
  if (c.batches.values.empty() || c.input_sizes.values.empty() || c.threads.values.empty())
    fail("every sweep axis (--batch, --input-size, --threads) needs at least one value");
}

std::string LabPreprocessPreset(const LabConfig& c) {
  if (!c.preprocess.empty()) return c.preprocess;
  for (const std::string* data : {&c.eval_data, &c.calibration_data}) {
    if (data->empty()) continue;
    try {
      const std::string format = DetectDatasetFormat(*data);
      return format == "fashion-mnist" || format == "raw-u8" ? "fashion-mnist" : "imagenet";
    } catch (const std::exception&) {
      // .npy sets eval cannot open, or a missing path (CheckLabInputs names it): the next one decides.
    }
  }
  return "imagenet";
}

PreprocessOptions LabPreprocess(const LabConfig& config, std::int64_t input_size) {
  const std::string preset = LabPreprocessPreset(config);
  PreprocessOptions p = PreprocessOptions::FromPreset(preset);
  if (preset == "imagenet" && input_size > 0 && input_size != p.crop) {
    p.resize_shorter = static_cast<int>(std::lround(static_cast<double>(input_size) * 256.0 / 224.0));
    p.crop = static_cast<int>(input_size);
  }
  return ApplyPreprocessOverrides(p, config.preprocessing);
}

std::string DescribeLabPreprocess(const LabConfig& config, std::int64_t input_size) {
  const std::string preset = LabPreprocessPreset(config);
  const PreprocessOptions p = LabPreprocess(config, input_size);
  std::string s = preset + (input_size > 0 ? " at " + std::to_string(input_size) + " px" : std::string()) + ": ";
  if (p.resize_width > 0)
    s += "resize " + std::to_string(p.resize_width) + "x" + std::to_string(p.resize_height) + " (PIL bilinear)";
  else if (p.resize_shorter > 0)
    s += "shorter side " + std::to_string(p.resize_shorter) + " (PIL bilinear)";
  else
    s += "no resize";
  if (p.crop > 0) s += ", center crop " + std::to_string(p.crop);
  if (p.pad > 0) s += ", pad " + std::to_string(p.pad);
  if (preset == "imagenet" && input_size > 0 && input_size != 224 && config.preprocessing.resize.empty() &&
      config.preprocessing.crop < 0)
    s += " (the preset's 256/224 ratio kept)";
  const std::string given = DescribePreprocessOverrides(config.preprocessing);
  if (!given.empty()) s += "; given: " + given;
  return s;
}

bool HasCalibratedVariant(const std::vector<std::string>& variants) {
  for (const auto& v : variants) {
    const LabVariantInfo& info = FindLabVariant(v);
    if (info.scheme && info.scheme->needs_calibration) return true;
  }
  return false;
}

std::string LabWeightRangeLine(const LabConfig& config) {
  bool int8 = false;
  for (const auto& v : config.variants) {
    const LabVariantInfo* info = LookupLabVariant(v);
    int8 = int8 || (info && info->scheme && IsIntegerPrecision(info->scheme->weight_precision));
  }
  if (!int8) return "";
  const WeightRangeDecision d = ResolveWeightRange(config.weight_range, DType::kUint8);
  return std::string(WeightRangeName(d.range)) + " (" + d.reason + ")" +
         (config.weight_range == WeightRange::kAuto ? "; --weight-range full, reduced or u8 chooses another" : "");
}

LabConfigRecord MakeLabConfigRecord(const LabConfig& c) {
  LabConfigRecord r;
  r.models = c.models;
  r.variants = c.variants;
  r.batch = c.batches.values;
  r.input_size = c.input_sizes.values;
  r.threads = c.threads.values;
  r.repetitions = c.repetitions;
  r.warmup_runs = c.warmup_runs;
  r.eval_data = c.eval_data;
  r.eval_limit = c.eval_limit;
  r.preprocess = LabPreprocessPreset(c);
  r.calibration_data = c.calibration_data;
  r.calibration_size = c.calibration_size;
  r.calibration_method = c.calibration_method;
  if (c.weight_range != WeightRange::kAuto) r.weight_range = WeightRangeName(c.weight_range);
  r.auto_max_drop_points = c.auto_max_drop_points;
  r.auto_time_budget_s = c.auto_time_budget_s;
  r.output = c.output_dir;
  r.roofline = c.roofline;
  r.seed = c.seed;
  r.dim = c.dims;
  r.shape = c.shapes;
  r.split = c.split;
  r.provider = c.provider;
  r.external_variants = c.external;
  r.preprocessing_given = DescribePreprocessOverrides(c.preprocessing);
  r.verify = c.verify;
  r.strict = c.strict;
  return r;
}

}  // namespace qbench
