// Cooperative cancellation flag (see cancel.h).
#include "qbench/core/cancel.h"

#include <atomic>

namespace qbench {
namespace {
std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "RequestCancel must be async-signal-safe");
}  // namespace

void RequestCancel() noexcept { g_cancel.store(true, std::memory_order_relaxed); }
bool CancelRequested() noexcept { return g_cancel.load(std::memory_order_relaxed); }
void ResetCancel() noexcept { g_cancel.store(false, std::memory_order_relaxed); }
void ThrowIfCancelled(const char* what) {
  if (CancelRequested()) throw Cancelled(what);
}

}  // namespace qbench
