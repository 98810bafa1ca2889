#!/usr/bin/python3
"""CPU peer for Detserve's engine benchmark: torchvision's maskrcnn_resnet50_fpn, timed per image.

Same spec as bench/cpu's C# side (DESIGN.md bench spec): Mask R-CNN R50-FPN, seeded weights whose BatchNorm statistics
are set from one forward pass (so activations stay sane), eval mode, box_score_thresh 0.0 so every image yields 100
detections (the count is printed), a fixed 800x1066 input, torch.set_num_threads(THREADS). Runs on Debian's
python3-torch / python3-torchvision (apt-get install -y python3-torch python3-torchvision; use /usr/bin/python3).

Usage: /usr/bin/python3 bench/cpu/torchvision_peer.py [--runs 3] [--warmup 1] [--threads 2] [--height 800 --width 1066] [--json out.json]
"""
import argparse
import json
import statistics
import time

import torch
import torchvision
from torchvision.models.detection import maskrcnn_resnet50_fpn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--width", type=int, default=1066)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    # weights=None / weights_backbone=None: random init; the backbone then uses nn.BatchNorm2d (not frozen), which we
    # calibrate below. 91 classes is torchvision's COCO head; the cost difference to 80 classes is negligible.
    model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, box_score_thresh=0.0, box_detections_per_img=100)

    g = torch.Generator().manual_seed(args.seed + 1)
    image = torch.rand(3, args.height, args.width, generator=g)

    # BatchNorm statistics from one forward pass: momentum None = cumulative average, so one batch sets them exactly.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    model.eval()
    model.backbone.train()
    with torch.no_grad():
        images, _ = model.transform([image])
        model.backbone(images.tensors)
    model.eval()

    times = []
    cpu_times = []
    detections = None
    with torch.no_grad():
        for i in range(args.warmup + args.runs):
            t0 = time.perf_counter()
            c0 = time.process_time()
            out = model([image])
            dt = time.perf_counter() - t0
            dc = time.process_time() - c0
            detections = int(out[0]["boxes"].shape[0])
            if i >= args.warmup:
                times.append(dt)
                cpu_times.append(dc)
            print(f"run {i}{' (warm-up)' if i < args.warmup else ''}: {dt:.3f} s wall, {dc:.3f} s CPU, {detections} detections", flush=True)

    result = {
        "peer": "torchvision maskrcnn_resnet50_fpn (eager, fp32, CPU)",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "threads": args.threads,
        "height": args.height,
        "width": args.width,
        "detections": detections,
        "runs": args.runs,
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        # Process CPU time (all threads) per image: on a shared machine wall time depends on the neighbours' load, CPU time
        # much less so; compare both.
        "cpu_times_s": cpu_times,
        "median_cpu_s": statistics.median(cpu_times),
    }
    print(json.dumps(result, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
