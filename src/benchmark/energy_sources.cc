// The energy source table and sensor discovery under a sysfs root (qbench/benchmark/energy.h).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "qbench/benchmark/energy.h"

namespace qbench {
namespace fs = std::filesystem;

const std::vector<EnergySourceRow>& EnergySources() {
  // source, folders, device name, skip device, value file, second file, kind, scale, range file, label file, total labels
  static const std::vector<EnergySourceRow> kRows = {
      // Intel and AMD RAPL (powercap): µJ counters; packages hold their core/uncore subzones.
      {"rapl", "class/powercap/*", "", "", "energy_uj", "", SensorKind::kEnergyCounter, 1e-6, "max_energy_range_uj",
       "name", "package-*"},
      // Jetson (JetPack 5/6): INA3221 as hwmon, bus voltage mV × current mA per rail; VDD_IN is the module's input.
      {"ina3221", "class/hwmon/*", "ina3221", "", "in*_input", "curr*_input", SensorKind::kPower, 1e-6, "", "in*_label",
       "VDD_IN|POM_5V_IN"},
      // Jetson (JetPack 4): the ina3221x iio driver, power per rail in mW.
      {"ina3221", "bus/i2c/drivers/ina3221x/*/iio:device*", "", "", "in_power*_input", "", SensorKind::kPower, 1e-3, "",
       "rail_name_*", "VDD_IN|POM_5V_IN"},
      // hwmon energy counters (amd_energy: Esocket*/Ecore*; the cores lie within the sockets), µJ.
      {"hwmon", "class/hwmon/*", "", "ina3221", "energy*_input", "", SensorKind::kEnergyCounter, 1e-6, "", "energy*_label",
       "Esocket*"},
      // hwmon power sensors, µW: instantaneous, then averaged (ACPI power_meter).
      {"hwmon", "class/hwmon/*", "", "ina3221", "power*_input", "", SensorKind::kPower, 1e-6, "", "power*_label", ""},
      {"hwmon", "class/hwmon/*", "", "ina3221", "power*_average", "", SensorKind::kPower, 1e-6, "", "power*_label", ""},
  };
  return kRows;
}

bool ReadSysfsFile(const std::string& path, std::string* text, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = std::strerror(errno);
    return false;
  }
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  const int err = errno;
  ::close(fd);
  if (n < 0) {
    *error = std::strerror(err);
    return false;
  }
  text->assign(buf, static_cast<std::size_t>(n));
  return true;
}

namespace {

// '*' matches any text (once); returns whether `name` matches and what '*' matched.
bool Match(const std::string& pattern, const std::string& name, std::string* star = nullptr) {
  const auto p = pattern.find('*');
  if (p == std::string::npos) return pattern == name;
  const std::string pre = pattern.substr(0, p), post = pattern.substr(p + 1);
  if (name.size() < pre.size() + post.size() || name.compare(0, pre.size(), pre) != 0 ||
      name.compare(name.size() - post.size(), post.size(), post) != 0)
    return false;
  if (star) *star = name.substr(pre.size(), name.size() - pre.size() - post.size());
  return true;
}

bool MatchAny(const std::string& patterns, const std::string& label) {
  std::size_t b = 0;
  while (b <= patterns.size() && !patterns.empty()) {
    const auto e = patterns.find('|', b);
    if (Match(patterns.substr(b, e == std::string::npos ? std::string::npos : e - b), label)) return true;
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return false;
}

std::string Replace(std::string pattern, const std::string& channel) {
  const auto p = pattern.find('*');
  if (p != std::string::npos) pattern.replace(p, 1, channel);
  return pattern;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

// The folders matching `pattern` (components with '*' listed and matched) under `root`, sorted.
std::vector<fs::path> Expand(const fs::path& root, const std::string& pattern) {
  std::vector<fs::path> current = {root};
  std::size_t b = 0;
  while (b < pattern.size()) {
    const auto e = pattern.find('/', b);
    const std::string comp = pattern.substr(b, e == std::string::npos ? std::string::npos : e - b);
    std::vector<fs::path> next;
    for (const auto& dir : current) {
      if (comp.find('*') == std::string::npos) {
        std::error_code ec;
        if (fs::is_directory(dir / comp, ec)) next.push_back(dir / comp);
        continue;
      }
      std::error_code ec;
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (fs::is_directory(it->path(), ec2) && Match(comp, it->path().filename().string())) next.push_back(it->path());
      }
    }
    std::sort(next.begin(), next.end());
    current = std::move(next);
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return current;
}

bool ReadNumber(const SysfsReadFn& read, const std::string& path, long double* value, std::string* error) {
  std::string text;
  if (!read(path, &text, error)) return false;
  text = Trim(text);
  char* end = nullptr;
  errno = 0;
  *value = std::strtold(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || errno != 0) {
    *error = "not a number: '" + text + "'";
    return false;
  }
  return true;
}

std::string Hint(const EnergySourceRow& row) {
  if (std::string(row.source) == "rapl")
    return " (RAPL counters are readable by root only since Linux 5.10: run as root, or `sudo chmod a+r "
           "/sys/class/powercap/*/energy_uj` for this boot)";
  return "";
}

}  // namespace

EnergyDiscovery DiscoverEnergySensors(const std::string& sysfs_root, const SysfsReadFn& read) {
  EnergyDiscovery d;
  std::vector<std::string> unreadable;
  for (const auto& row : EnergySources()) {
    std::vector<EnergySensor> found;
    std::vector<std::string> errors;  // per sensor, parallel to found ("" = readable)
    for (const auto& dir : Expand(sysfs_root, row.dir_pattern)) {
      std::string name, err;
      const bool has_name = read((dir / "name").string(), &name, &err);
      name = Trim(name);
      if (*row.device_name && (!has_name || name != row.device_name)) continue;
      if (*row.skip_device && has_name && name == row.skip_device) continue;
      std::vector<std::pair<std::string, std::string>> channels;  // file, channel
      std::error_code ec;
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string channel;
        if (Match(row.value_file, it->path().filename().string(), &channel))
          channels.emplace_back(it->path().filename().string(), channel);
      }
      std::sort(channels.begin(), channels.end(), [](const auto& a, const auto& b) {  // channel 2 before 10
        return a.second.size() != b.second.size() ? a.second.size() < b.second.size() : a.second < b.second;
      });
      for (const auto& [file, channel] : channels) {
        EnergySensor s;
        s.source = row.source;
        s.kind = row.kind;
        s.scale = row.scale;
        s.path = (dir / file).string();
        if (*row.second_file) {
          s.second_path = (dir / Replace(row.second_file, channel)).string();
          if (!fs::exists(s.second_path)) continue;  // a voltage channel without a current: not a rail
        }
        std::string label, lerr;
        if (read((dir / Replace(row.label_file, channel)).string(), &label, &lerr) && !Trim(label).empty())
          s.label = Trim(label);
        else
          s.label = dir.filename().string() + " " + Replace(std::string(row.value_file).substr(0, std::string(row.value_file).find('_')), channel);
        long double range = 0;
        std::string rerr;
        if (*row.range_file && ReadNumber(read, (dir / row.range_file).string(), &range, &rerr)) s.range = static_cast<double>(range);
        long double v = 0;
        std::string verr;
        std::string failed = s.path;
        bool ok = ReadNumber(read, s.path, &v, &verr);
        if (ok && !s.second_path.empty()) {
          failed = s.second_path;
          ok = ReadNumber(read, s.second_path, &v, &verr);
        }
        errors.push_back(ok ? "" : failed + ": " + verr);
        found.push_back(std::move(s));
      }
    }
    if (found.empty()) continue;
    bool any_total = false;
    for (const auto& s : found) any_total = any_total || MatchAny(row.total_labels, s.label);
    for (auto& s : found) s.in_total = !any_total || MatchAny(row.total_labels, s.label);
    std::vector<EnergySensor> readable;
    std::vector<std::string> notes, blocking;
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (errors[i].empty()) {
        if (!found[i].in_total) notes.push_back(found[i].label + " (" + found[i].path + ") read, not in the total (" +
                                                row.total_labels + " hold it)");
        readable.push_back(found[i]);
      } else {
        (found[i].in_total ? blocking : notes).push_back(errors[i] + Hint(row));
      }
    }
    bool total_readable = false;
    for (const auto& s : readable) total_readable = total_readable || s.in_total;
    if (!blocking.empty() || !total_readable) {
      for (const auto& b : blocking) unreadable.push_back(b);
      if (blocking.empty()) unreadable.push_back(std::string(row.source) + ": no readable sensor counted in the total");
      continue;
    }
    d.available = true;
    d.source = row.source;
    d.sensors = std::move(readable);
    d.notes = std::move(notes);
    return d;
  }
  if (!unreadable.empty()) {
    d.reason = "power sensors found but not readable: " + unreadable.front();
    if (unreadable.size() > 1) d.reason += " (and " + std::to_string(unreadable.size() - 1) + " more)";
  } else {
    d.reason = "no power sensor under " + sysfs_root +
               " (looked for RAPL powercap/*/energy_uj, hwmon energy*/power* and Jetson INA3221 rails; virtual "
               "machines expose none)";
  }
  return d;
}

}  // namespace qbench
