// Process memory probes from /proc (see proc(5)).
#include "qbench/benchmark/memory.h"

#include <cstdio>
#include <cstring>

namespace qbench {
namespace {

// Reads "<key>:   <value> kB" from /proc/self/status; -1 when absent.
std::int64_t ReadStatusKb(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  const size_t key_len = std::strlen(key);
  std::int64_t value = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
      long long kb = 0;
      if (std::sscanf(line + key_len + 1, "%lld", &kb) == 1) value = kb;
      break;
    }
  }
  std::fclose(f);
  return value;
}

}  // namespace

std::int64_t ReadRssBytes() {
  const std::int64_t kb = ReadStatusKb("VmRSS");
  return kb < 0 ? -1 : kb * 1024;
}

std::int64_t ReadPeakRssBytes() {
  const std::int64_t kb = ReadStatusKb("VmHWM");
  return kb < 0 ? -1 : kb * 1024;
}

bool ResetPeakRss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

}  // namespace qbench
