#include "qbench/core/log.h"

#include <atomic>
#include <cstdio>

namespace qbench {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_stderr_mutex;
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

void Log(LogLevel level, const std::string& message) {
  if (static_cast<int>(level) > g_level.load()) return;
  std::lock_guard<std::mutex> lock(g_stderr_mutex);
  const char* prefix = level == LogLevel::kWarning ? "[qbench] warning: " : "[qbench] ";
  std::fprintf(stderr, "%s%s\n", prefix, message.c_str());
}

void WarningList::Add(const std::string& code, const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& w : items_)
    if (w.code == code && w.message == message) return;
  items_.push_back({code, message});
}

std::vector<Warning> WarningList::items() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return items_;
}

bool WarningList::empty() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return items_.empty();
}

}  // namespace qbench
