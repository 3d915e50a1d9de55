// src/model/guarded_inference.h — ONNX shape inference that survives malformed graphs (not public).
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <string>

namespace qbench::internal {

/// Runs onnx::shape_inference::InferShapes (libonnx 1.12; error_mode 0, data propagation on) on
/// `model` in place, through a schema registry that also knows ORT's com.microsoft quantized ops
/// (ContribSchema, contrib_shapes.h) and whose inference functions first check what the
/// upstream ones assume without checking. Found by fuzzing (tests/model/model_fuzz_test.cc): the
/// Conv/ConvTranspose/pooling inference indexes `dilations`/`strides`/input dims by the weight's rank
/// and divides by the strides, so a weight rank that differs from the input rank, a zero stride or
/// a wrong-length attribute crashes the process. A node failing a check gets no inferred shape
/// (its outputs stay unknown), exactly as for an ordinary node-level inference error.
/// Throws whatever InferShapes throws for graph-level errors (callers catch std::exception).
void InferShapesGuarded(onnx::ModelProto& model);

/// InferShapesGuarded in a forked child process, because libonnx 1.12's inference functions (notably
/// the older opset versions) index shapes without checking ranks in more places than the checks above
/// cover: a crash (or a hang past `timeout_s`) kills only the child. On success the inferred
/// value_info and output types replace those of `model` and it returns true; otherwise it returns
/// false, leaves `model` unchanged and says why in `failure` ("crashed with signal 11", "timed out
/// after 60 s", or the exception message). When fork() fails it runs in-process (guards only).
/// Linux/POSIX only.
bool InferShapesIsolated(onnx::ModelProto& model, std::string* failure, int timeout_s = 60);

/// Runs `work` in a forked child process and hands back the bytes it returns in `result`: for
/// libonnx code that may crash or hang on unusual graphs (shape inference, the version converter).
/// Returns false with `failure` set ("crashed with signal 11 (Segmentation fault)", "timed out after
/// 60 s", or the message of the std::exception `work` threw). When fork() fails, `work` runs
/// in-process (exceptions still caught). Linux/POSIX only.
bool RunIsolated(const std::function<std::string()>& work, std::string* result, std::string* failure,
                 int timeout_s = 60);

}  // namespace qbench::internal
