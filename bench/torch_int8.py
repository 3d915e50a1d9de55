#!/usr/bin/env python3
"""PyTorch's best int8 path on this machine, for bench/quantize_speed.cc to compare against.

For each torchvision architecture (weights=None, eval mode, 224x224 input): fp32 latency, then FX
static post-training quantization (prepare_fx / calibrate on 4 random batches / convert_fx) with the
oneDNN engine (torch.backends.quantized.engine = "onednn"; Debian's torch has no fbgemm/x86 engine,
and qnnpack is several times slower than fp32 here, MEASUREMENT.md) and its int8 latency. A quantized
oneDNN model fails when re-run at another batch size, so each batch size gets its own conversion.
Timing: torch.set_num_threads(--threads), inference_mode; int8: 3 warm-up runs, median of
--repetitions; fp32 (context only): 2 warm-up runs, median of max(5, --repetitions / 3).

Prints one line per (model, batch) on stdout: "RESULT <model> <batch> <fp32_ms> <int8_ms>";
everything else goes to stderr. Exit status 0, or 1 when torch is not importable.
"""
import argparse
import statistics
import sys
import time


def median_ms(fn, x, warmup, repetitions):
    for _ in range(warmup):
        fn(x)
    times = []
    for _ in range(repetitions):
        t0 = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet18,mobilenet_v2,squeezenet1_1,mobilenet_v3_small")
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=30)
    args = parser.parse_args()
    try:
        import torch
        import torchvision
        from torch.ao.quantization import get_default_qconfig_mapping
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    except ImportError as e:
        print(f"torch_int8.py: PyTorch not importable: {e}", file=sys.stderr)
        return 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if "onednn" not in torch.backends.quantized.supported_engines:
        print(f"torch_int8.py: no oneDNN quantized engine (have {torch.backends.quantized.supported_engines})",
              file=sys.stderr)
        return 1
    torch.backends.quantized.engine = "onednn"
    print(f"torch_int8.py: torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"{args.threads} threads, engine onednn", file=sys.stderr)
    for name in args.models.split(","):
        for batch in [int(b) for b in args.batches.split(",")]:
            model = getattr(torchvision.models, name)(weights=None).eval()
            x = torch.randn(batch, 3, 224, 224)
            with torch.inference_mode():  # context only (PyTorch's own int8 speedup): fewer runs
                fp32_ms = median_ms(model, x, 2, max(5, args.repetitions // 3))
            qconfig_mapping = get_default_qconfig_mapping("onednn")
            prepared = prepare_fx(model, qconfig_mapping, example_inputs=(x,))
            with torch.inference_mode():
                for _ in range(4):
                    prepared(torch.randn(batch, 3, 224, 224))
            quantized = convert_fx(prepared)
            with torch.inference_mode():
                int8_ms = median_ms(quantized, x, 3, args.repetitions)
            print(f"torch_int8.py: {name} batch {batch}: fp32 {fp32_ms:.3f} ms, int8 {int8_ms:.3f} ms",
                  file=sys.stderr)
            print(f"RESULT {name} {batch} {fp32_ms:.4f} {int8_ms:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
