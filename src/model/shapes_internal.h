// src/model/shapes_internal.h — shape resolution shared by shapes.cc and inspect.cc (not public).
#pragma once

#include <string>
#include <vector>

#include "qbench/model/shapes.h"

namespace qbench::internal {

/// ResolveInputShapes, except that with `unresolved` != nullptr a dynamic dim without a value (or an
/// input without any shape) is left at -1 (has_shape = false) and a message naming the flag that sets
/// it is appended to `unresolved` instead of throwing. All other errors are thrown as documented.
std::vector<TensorInfo> ResolveInputShapesImpl(const Model& model, const ShapeOverrides& overrides,
                                               std::vector<std::string>* unresolved);

}  // namespace qbench::internal
