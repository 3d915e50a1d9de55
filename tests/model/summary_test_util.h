// tests/model/summary_test_util.h — looking into an InspectModel summary in tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "qbench/model/inspect.h"

namespace qbench::testing {

/// The node named `name` of `s` (a test failure, and an empty NodeCost, when there is none).
inline const NodeCost& SummaryNode(const ModelSummary& s, const std::string& name) {
  for (const auto& n : s.nodes)
    if (n.name == name) return n;
  ADD_FAILURE() << "no node " << name;
  static NodeCost none;
  return none;
}

/// Whether `s` carries a warning with this code.
inline bool HasSummaryWarning(const ModelSummary& s, const std::string& code) {
  for (const auto& w : s.warnings)
    if (w.code == code) return true;
  return false;
}

}  // namespace qbench::testing
