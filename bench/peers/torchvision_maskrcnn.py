#!/usr/bin/env python3
"""Peer timing for `detserve bench`: torchvision's Mask R-CNN R50-FPN on the same GPU, to the bench spec.

Spec (DESIGN.md "Performance", issue 5): Mask R-CNN R50-FPN with zoo widths and 80 classes, seeded weights whose
BatchNorm statistics are set from one forward pass (so activations stay sane and every image yields 100
detections), box score threshold 0.0, 100 detections per image, inputs 1344x1344 (batch 1) and 800x1333 (batch 8),
eager FP32 and autocast FP16, GPU time with CUDA events after warm-up, median and p99 over >= 100 runs.

The model's own transform resizes to (min_size, max_size); both are set to the input size so the network sees
exactly the bench resolution (as Detserve does). The timed call is model(images) on images already on the GPU:
normalisation, resize (a no-op scale), backbone, RPN, ROI heads and paste_masks_in_image at image size.

usage: python3 torchvision_maskrcnn.py --out peer.json [--iterations 100] [--warmup 10] [--configs b1:1344x1344,b8:800x1333]
"""
import argparse
import json
import statistics
import time

import torch
import torchvision
from torchvision.models.detection import maskrcnn_resnet50_fpn


def build_model(height, width, seed):
    torch.manual_seed(seed)
    model = maskrcnn_resnet50_fpn(
        weights=None, weights_backbone=None, num_classes=81,
        min_size=min(height, width), max_size=max(height, width),
        box_score_thresh=0.0, box_detections_per_img=100)
    return model


def calibrate_batchnorm(model, device, seed):
    """Sets every BatchNorm's running statistics from one forward pass of the backbone (momentum None = plain average)."""
    torch.manual_seed(seed + 1)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.backbone.train()
    with torch.no_grad():
        x = torch.rand(2, 3, 512, 512, device=device)
        x = (x - torch.tensor([0.485, 0.456, 0.406], device=device)[:, None, None]) / torch.tensor([0.229, 0.224, 0.225], device=device)[:, None, None]
        model.backbone(x)
    model.eval()


def time_config(model, batch, height, width, precision, iterations, warmup, device):
    torch.manual_seed(1234)
    images = [torch.rand(3, height, width, device=device) for _ in range(batch)]

    def run():
        with torch.no_grad():
            if precision == "fp16":
                with torch.autocast("cuda", dtype=torch.float16):
                    return model(images)
            return model(images)

    for _ in range(warmup):
        out = run()
    torch.cuda.synchronize()
    detections = [int(o["boxes"].shape[0]) for o in out]
    masks_shape = list(out[0]["masks"].shape) if "masks" in out[0] else None
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    gpu_ms, host_ms = [], []
    for _ in range(iterations):
        t0 = time.perf_counter()
        start.record()
        run()
        end.record()
        end.synchronize()
        host_ms.append((time.perf_counter() - t0) * 1000.0)
        gpu_ms.append(start.elapsed_time(end))
    gpu_sorted = sorted(gpu_ms)
    p99 = gpu_sorted[min(len(gpu_sorted) - 1, int(round(0.99 * (len(gpu_sorted) - 1))))]
    median = statistics.median(gpu_ms)
    return {
        "batch": batch, "height": height, "width": width, "precision": precision,
        "iterations": iterations, "warmup": warmup,
        "gpu_ms": {"min": min(gpu_ms), "median": median, "mean": statistics.fmean(gpu_ms), "p99": p99, "max": max(gpu_ms)},
        "host_ms": {"median": statistics.median(host_ms), "p99": sorted(host_ms)[min(len(host_ms) - 1, int(round(0.99 * (len(host_ms) - 1))))]},
        "images_per_s": batch * 1000.0 / median,
        "detections_per_image": detections,
        "mask_output_shape": masks_shape,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--configs", default="b1:1344x1344,b8:800x1333")
    ap.add_argument("--precisions", default="fp32,fp16")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.iterations < 100:
        print(f"note: {args.iterations} iterations is below the bench spec's 100")
    device = torch.device("cuda")
    results = []
    for config in args.configs.split(","):
        b, size = config.split(":")
        batch = int(b.lstrip("b"))
        height, width = (int(v) for v in size.split("x"))
        model = build_model(height, width, args.seed).to(device)
        calibrate_batchnorm(model, device, args.seed)
        for precision in args.precisions.split(","):
            r = time_config(model, batch, height, width, precision, args.iterations, args.warmup, device)
            results.append(r)
            print(f"torchvision maskrcnn_resnet50_fpn batch {batch} {height}x{width} {precision}: "
                  f"median {r['gpu_ms']['median']:.2f} ms, p99 {r['gpu_ms']['p99']:.2f} ms, "
                  f"{r['images_per_s']:.1f} images/s, detections {r['detections_per_image']}", flush=True)
        del model
        torch.cuda.empty_cache()
    report = {
        "peer": "torchvision maskrcnn_resnet50_fpn (eager)",
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "cudnn": torch.backends.cudnn.version(),
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
        "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        "results": results,
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
