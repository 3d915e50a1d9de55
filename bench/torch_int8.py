#!/usr/bin/env python3
"""PyTorch's best int8 path on this machine, for bench/quantize_speed.cc to compare against.

For each torchvision architecture (weights=None, eval mode, 224x224 input): fp32 latency, then FX
static post-training quantization (prepare_fx / calibrate on 4 random batches / convert_fx) with the
oneDNN engine (torch.backends.quantized.engine = "onednn"; Debian's torch has no fbgemm/x86 engine,
and qnnpack is several times slower than fp32 here, docs/measurement.md) and its int8 latency. A quantized
oneDNN model fails when re-run at another batch size, so each batch size gets its own conversion.
Timing: torch.set_num_threads(--threads), inference_mode; int8: 3 warm-up runs, median of
--repetitions; fp32 (context only): 2 warm-up runs, median of max(5, --repetitions / 3).

Prints one line per (model, batch) on stdout: "RESULT <model> <batch> <fp32_ms> <int8_ms>";
everything else goes to stderr. Exit status 0, or 1 when torch is not importable.

--serve: a timing server for bench/quantize_speed.cc, which alternates single runs of its ORT int8
session with runs here so that both see the same machine state. Commands on stdin, one per line:
"prepare <model> <batch>" (build, time fp32 for context, quantize, 3 warm-up runs) → "READY <fp32_ms>";
"run <n>" → "TIMES <ms> ... " (n runs of the int8 model); "quit". Failures answer "ERROR <message>".
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


def build_int8(torch, torchvision, name, batch, repetitions):
    """(fp32 median ms, int8 model, example input) for torchvision `name` at `batch`."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.randn(batch, 3, 224, 224)
    with torch.inference_mode():  # context only (PyTorch's own int8 speedup): fewer runs
        fp32_ms = median_ms(model, x, 2, max(5, repetitions // 3))
    prepared = prepare_fx(model, get_default_qconfig_mapping("onednn"), example_inputs=(x,))
    with torch.inference_mode():
        for _ in range(4):
            prepared(torch.randn(batch, 3, 224, 224))
    return fp32_ms, convert_fx(prepared), x


def serve(torch, torchvision, repetitions):
    quantized, x = None, None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "quit":
                break
            if words[0] == "prepare":
                quantized = None
                fp32_ms, quantized, x = build_int8(torch, torchvision, words[1], int(words[2]), repetitions)
                with torch.inference_mode():
                    for _ in range(3):
                        quantized(x)
                print(f"READY {fp32_ms:.4f}", flush=True)
            elif words[0] == "run":
                times = []
                with torch.inference_mode():
                    for _ in range(int(words[1])):
                        t0 = time.perf_counter()
                        quantized(x)
                        times.append((time.perf_counter() - t0) * 1000.0)
                print("TIMES " + " ".join(f"{t:.4f}" for t in times), flush=True)
            else:
                print(f"ERROR unknown command {words[0]!r}", flush=True)
        except Exception as e:  # report and keep serving: the C++ side decides
            print(f"ERROR {type(e).__name__}: {e}".replace("\n", " "), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet18,mobilenet_v2,squeezenet1_1,mobilenet_v3_small")
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--serve", action="store_true", help="timing server on stdin/stdout (see above)")
    args = parser.parse_args()
    try:
        import torch
        import torchvision
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
    if args.serve:
        return serve(torch, torchvision, args.repetitions)
    for name in args.models.split(","):
        for batch in [int(b) for b in args.batches.split(",")]:
            fp32_ms, quantized, x = build_int8(torch, torchvision, name, batch, args.repetitions)
            with torch.inference_mode():
                int8_ms = median_ms(quantized, x, 3, args.repetitions)
            print(f"torch_int8.py: {name} batch {batch}: fp32 {fp32_ms:.3f} ms, int8 {int8_ms:.3f} ms",
                  file=sys.stderr)
            print(f"RESULT {name} {batch} {fp32_ms:.4f} {int8_ms:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
