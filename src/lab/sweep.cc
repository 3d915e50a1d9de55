#include "qbench/lab/sweep.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

#include "qbench/core/error.h"

namespace qbench {
namespace {

constexpr std::size_t kMaxAxisValues = 4096;
constexpr std::int64_t kMaxValue = std::numeric_limits<std::int32_t>::max();

std::string Trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

[[noreturn]] void Fail(const std::string& name, const std::string& text, const std::string& why) {
  throw Error(ErrorCode::kInvalidArgument,
              "invalid " + name + " list '" + text + "': " + why +
                  "; expected comma-separated values or ranges, e.g. 1,2,4,8 or 1-16*2 (geometric) or 1-8+1 (arithmetic)");
}

// Parses a whole (sub)string as a positive integer.
std::int64_t ParsePositive(const std::string& name, const std::string& text, const std::string& item,
                           const std::string& digits, const char* what) {
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    Fail(name, text, std::string(what) + " '" + digits + "' in '" + item + "' is not a positive integer");
  if (digits.size() > 10) Fail(name, text, std::string(what) + " '" + digits + "' is too large");
  const std::int64_t v = std::stoll(digits);
  if (v < 1) Fail(name, text, std::string(what) + " '" + digits + "' in '" + item + "' must be >= 1");
  if (v > kMaxValue) Fail(name, text, std::string(what) + " '" + digits + "' is too large");
  return v;
}

}  // namespace

SweepAxis ParseSweepAxis(const std::string& name, const std::string& text) {
  SweepAxis axis;
  axis.name = name;
  std::set<std::int64_t> seen;
  auto push = [&](std::int64_t v) {
    if (seen.insert(v).second) axis.values.push_back(v);
    if (axis.values.size() > kMaxAxisValues) Fail(name, text, "more than 4096 values");
  };
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(Trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (const std::string& item : items) {
    if (item.empty()) Fail(name, text, "empty item");
    const std::size_t dash = item.find('-');
    if (dash == std::string::npos) {
      push(ParsePositive(name, text, item, item, "value"));
      continue;
    }
    const std::int64_t first = ParsePositive(name, text, item, Trim(item.substr(0, dash)), "range start");
    const std::string rest = item.substr(dash + 1);
    const std::size_t op_pos = rest.find_first_of("+*");
    const char op = op_pos == std::string::npos ? '+' : rest[op_pos];
    const std::int64_t last =
        ParsePositive(name, text, item, Trim(op_pos == std::string::npos ? rest : rest.substr(0, op_pos)), "range end");
    const std::int64_t step =
        op_pos == std::string::npos ? 1 : ParsePositive(name, text, item, Trim(rest.substr(op_pos + 1)), "step");
    if (first > last)
      Fail(name, text, "range '" + item + "' goes down (" + std::to_string(first) + " > " + std::to_string(last) + ")");
    if (op == '*') {
      if (step < 2) Fail(name, text, "factor in '" + item + "' must be >= 2");
      for (std::int64_t v = first; v <= last; v *= step) push(v);
    } else {
      if ((last - first) / step + 1 > static_cast<std::int64_t>(kMaxAxisValues)) Fail(name, text, "more than 4096 values");
      for (std::int64_t v = first; v <= last; v += step) push(v);
    }
  }
  if (axis.values.empty()) Fail(name, text, "no values");
  return axis;
}

std::string SweepAxisToString(const SweepAxis& axis) {
  std::string s;
  for (std::size_t i = 0; i < axis.values.size(); ++i) s += (i ? "," : "") + std::to_string(axis.values[i]);
  return s;
}

std::string SweepPoint::Key() const {
  return model + "|" + variant + "|b" + std::to_string(batch) + "|s" + std::to_string(input_size) + "|t" +
         std::to_string(threads);
}

std::optional<SweepPoint> SweepPoint::FromKey(const std::string& key) {
  // "MODEL|VARIANT|bB|sS|tT": split the four last fields off the end.
  std::vector<std::string> tail;
  std::size_t end = key.size();
  for (int i = 0; i < 4; ++i) {
    const std::size_t bar = key.rfind('|', end - 1);
    if (bar == std::string::npos || bar == 0) return std::nullopt;
    tail.push_back(key.substr(bar + 1, end - bar - 1));
    end = bar;
  }
  auto number = [](const std::string& field, char prefix, std::int64_t min, std::int64_t* out) {
    if (field.size() < 2 || field[0] != prefix || field.size() > 11) return false;
    for (std::size_t i = 1; i < field.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(field[i]))) return false;
    *out = std::stoll(field.substr(1));
    return *out >= min;
  };
  SweepPoint p;
  p.model = key.substr(0, end);
  p.variant = tail[3];
  if (p.variant.empty() || !number(tail[2], 'b', 1, &p.batch) || !number(tail[1], 's', 0, &p.input_size) ||
      !number(tail[0], 't', 1, &p.threads))
    return std::nullopt;
  return p;
}

std::string SweepPoint::GroupKey() const {
  return model + "|b" + std::to_string(batch) + "|s" + std::to_string(input_size) + "|t" + std::to_string(threads);
}

std::string InputSizeLabel(std::int64_t input_size, bool unit) {
  return input_size > 0 ? std::to_string(input_size) + (unit ? " px" : "") : std::string("its own shape");
}

std::string SweepPoint::Label(const std::string& variant_label) const {
  return (variant_label.empty() ? variant : variant_label) + " at batch " + std::to_string(batch) + ", " +
         InputSizeLabel(input_size) + ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

std::string SweepGroup::GroupKey() const { return SweepPoint{model, "", batch, input_size, threads}.GroupKey(); }

std::vector<SweepPoint> SweepGroup::Points() const {
  std::vector<SweepPoint> out;
  for (const auto& v : variants) out.push_back(SweepPoint{model, v, batch, input_size, threads});
  return out;
}

std::vector<SweepGroup> ExpandSweep(const std::vector<std::string>& models, const std::vector<std::string>& variants,
                                    const SweepAxis& threads, const SweepAxis& input_sizes, const SweepAxis& batches) {
  auto check_unique = [](const std::vector<std::string>& list, const char* what) {
    if (list.empty()) throw Error(ErrorCode::kInvalidArgument, std::string("the lab needs at least one ") + what);
    std::set<std::string> seen;
    for (const auto& s : list)
      if (!seen.insert(s).second)
        throw Error(ErrorCode::kInvalidArgument, std::string(what) + " '" + s + "' is listed twice; give each once");
  };
  check_unique(models, "model");
  check_unique(variants, "variant");
  for (const SweepAxis* a : {&threads, &input_sizes, &batches})
    if (a->values.empty()) throw Error(ErrorCode::kInvalidArgument, "sweep axis '" + a->name + "' has no values");
  std::vector<SweepGroup> groups;
  for (const auto& m : models)
    for (auto t : threads.values)
      for (auto s : input_sizes.values)
        for (auto b : batches.values) groups.push_back(SweepGroup{m, b, s, t, variants});
  return groups;
}

std::vector<SweepPoint> FlattenSweep(const std::vector<SweepGroup>& groups) {
  std::vector<SweepPoint> out;
  for (const auto& g : groups)
    for (auto& p : g.Points()) out.push_back(std::move(p));
  return out;
}

}  // namespace qbench
