#!/usr/bin/env bash
# The whole-model GPU bench and acceptance run, in one device call (issue 5):
#   1. the device's name (nvidia-smi),
#   2. the PyTorch peer (bench/peers/torchvision_maskrcnn.py, eager FP32 and autocast FP16) at the bench spec's two
#      configurations, batch 1 1344x1344 and batch 8 800x1333 (fewer iterations at batch 8 so the call fits its time),
#   3. `detserve bench --device cuda` at the same configurations in FP16 and FP32 with --peer-json (ratios from one call on one
#      device), seeded zoo-width Mask R-CNN weights (MODEL.WEIGHTS "" overrides the zoo config's ImageNet URL), SCORE_THRESH_TEST 0.0
#      (100 detections per image),
#   4. the golden AP tests (tests/Runtime.Cuda.Tests, trait gpu=true: FP32 and FP16 within 0.1 AP of Detectron2),
#   5. $OUT/summary.md with the numbers and the ratios.
#
# Here (a machine with the .NET SDK), once per change of the code:
#   bash bench/gpu/run-model-bench.sh --prepare
# publishes the CLI and tests/Runtime.Cuda.Tests, packs them with the golden fixtures they read into .device-bench/bundle.tar.xz and
# the .NET runtime with ASP.NET Core (the CLI references the server) into .device-bench/dotnet-aspnet.tar.xz, and prints the size
# that will travel (tracked files + .device-bench; the limit is 64 MiB). .device/ (the CUDA engineer's bundle) is left alone.
# On the GPU machine (carry [".device-bench"]), with OUT set by the device tool:
#   bash bench/gpu/run-model-bench.sh [--iterations N] [--batch8-iterations N] [--skip-peer] [--skip-tests]
# Every step writes into $OUT as it goes, so a run stopped at its time limit still returns what it finished.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bundle_dir=.device-bench

prepare() {
  set -e
  grep -qx "/$bundle_dir/" .git/info/exclude 2>/dev/null || echo "/$bundle_dir/" >> .git/info/exclude
  local stage="$bundle_dir/stage"
  rm -rf "$stage" && mkdir -p "$stage"
  for p in src/Cli/Detserve.Cli.csproj tests/Runtime.Cuda.Tests/Runtime.Cuda.Tests.csproj; do
    local name; name=$(basename "$p" .csproj)
    dotnet publish "$p" -c Release -r linux-x64 --self-contained false -o "$stage/$name" -p:DebugType=none >/dev/null
    # What a runnable xunit.v3 executable and a framework-dependent CLI do not need on that machine: VSTest/coverage baggage,
    # other platforms' native folders and satellite resources (InvariantGlobalization).
    (cd "$stage/$name" && rm -rf CodeCoverage Microsoft.CodeCoverage* Microsoft.TestPlatform* testhost* x86 x64 arm64 alpine ubuntu macos \
      cs de es fr it ja ko pl pt-BR ru tr zh-Hans zh-Hant ./*.pdb)
    echo "published $name ($(du -sh "$stage/$name" | cut -f1))"
  done
  # The golden files the tests read; the Mask R-CNN .pkl is the tracked samples/ copy (identical file), linked in on the device.
  local golden="$root/../shared/golden"
  mkdir -p "$stage/golden/reference"
  cp -r "$golden/configs" "$golden/shapes_test" "$stage/golden/"
  for m in mask_rcnn_R_50_FPN_narrow retinanet_R_50_FPN_narrow; do
    mkdir -p "$stage/golden/reference/$m" && cp "$golden/reference/$m/coco_eval.json" "$stage/golden/reference/$m/"
  done
  tar cf - -C "$stage" . | xz -T0 -6 > "$bundle_dir/bundle.tar.xz.tmp" && mv "$bundle_dir/bundle.tar.xz.tmp" "$bundle_dir/bundle.tar.xz"
  rm -rf "$stage"
  if [ ! -s "$bundle_dir/dotnet-aspnet.tar.xz" ]; then
    local dotnet_root; dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    echo "packing the .NET runtime with ASP.NET Core from $dotnet_root (once)..."
    (cd "$dotnet_root" && tar cf - dotnet host/fxr shared/Microsoft.NETCore.App shared/Microsoft.AspNetCore.App) | xz -T0 -6 > "$bundle_dir/dotnet-aspnet.tar.xz.tmp"
    mv "$bundle_dir/dotnet-aspnet.tar.xz.tmp" "$bundle_dir/dotnet-aspnet.tar.xz"
  fi
  local size tracked
  size=$(du -sm "$bundle_dir" | cut -f1)
  tracked=$(git ls-files -z | xargs -0 du -cm 2>/dev/null | tail -1 | cut -f1)
  echo "$bundle_dir is ${size} MiB, tracked files ${tracked} MiB: $((size + tracked)) MiB of 64 travel"
  echo "device command: bash bench/gpu/run-model-bench.sh   (carry [\"$bundle_dir\"])"
}

if [ "${1:-}" = "--prepare" ]; then prepare; exit $?; fi

iterations=100
batch8_iterations=30
run_peer=1
run_tests=1
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations=$2; shift 2 ;;
    --batch8-iterations) batch8_iterations=$2; shift 2 ;;
    --skip-peer) run_peer=0; shift ;;
    --skip-tests) run_tests=0; shift ;;
    *) echo "run-model-bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
out=${OUT:-$root/out/model-bench}
mkdir -p "$out"
[ -s "$bundle_dir/bundle.tar.xz" ] || { echo "no $bundle_dir/bundle.tar.xz: run 'bash bench/gpu/run-model-bench.sh --prepare' first and carry $bundle_dir" >&2; exit 2; }

# .NET and the bundle, unpacked outside the checkout.
if [ ! -x /tmp/dotnet/dotnet ]; then mkdir -p /tmp/dotnet && tar xJf "$bundle_dir/dotnet-aspnet.tar.xz" -C /tmp/dotnet; fi
app=/tmp/detserve-bench
rm -rf "$app" && mkdir -p "$app" && tar xJf "$bundle_dir/bundle.tar.xz" -C "$app"
mkdir -p "$app/golden/models" && cp samples/mask_rcnn_R_50_FPN_narrow/model_final.pkl "$app/golden/models/mask_rcnn_R_50_FPN_narrow.pkl"
export DOTNET_ROOT=/tmp/dotnet PATH=/tmp/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 GOLDEN_DIR="$app/golden" PYTHONUNBUFFERED=1
sp=$(python3 -c 'import site;print(site.getsitepackages()[0])' 2>/dev/null || true)
for d in "$sp/nvidia/cu13/lib" "$sp/nvidia/cudnn/lib" /usr/local/cuda/lib64; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
detserve() { dotnet "$app/Detserve.Cli/detserve.dll" "$@"; }

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt"
config="$app/golden/configs/COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml"

# The peer: one file per configuration (the batch-8 one with fewer iterations), merged into peer.json.
if [ "$run_peer" = 1 ]; then
  python3 bench/peers/torchvision_maskrcnn.py --configs b1:1344x1344 --iterations "$iterations" --out "$out/peer-b1.json" 2>&1 | tee "$out/peer.log"
  python3 bench/peers/torchvision_maskrcnn.py --configs b8:800x1333 --iterations "$batch8_iterations" --out "$out/peer-b8.json" 2>&1 | tee -a "$out/peer.log"
  python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
parts = [json.load(open(f"{out}/{n}")) for n in ("peer-b1.json", "peer-b8.json")]
merged = dict(parts[0]); merged["results"] = parts[0]["results"] + parts[1]["results"]
json.dump(merged, open(f"{out}/peer.json", "w"), indent=2)
PY
fi
peer_args=()
[ -s "$out/peer.json" ] && peer_args=(--peer-json "$out/peer.json")

# Detserve: the two configurations, each precision; seeded weights, 100 detections per image.
for precision in fp16 fp32; do
  for cfg in "1 1344x1344 $iterations" "8 800x1333 $iterations"; do
    set -- $cfg
    detserve bench --config "$config" --device cuda --precision "$precision" --batch "$1" --size "$2" --iterations "$3" --warmup 10 \
      "${peer_args[@]}" --json "$out/detserve-$precision-b$1.json" MODEL.WEIGHTS '""' MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.0 2>&1 | tee -a "$out/detserve.log"
  done
done

if [ "$run_tests" = 1 ]; then
  "$app/Runtime.Cuda.Tests/Runtime.Cuda.Tests" -trait "gpu=true" 2>&1 | tee "$out/gpu-tests.log"
fi

python3 - "$out" <<'PY'
import glob, json, os, re, sys
out = sys.argv[1]
lines = ["# detserve bench on the GPU", ""]
if os.path.exists(f"{out}/device.txt"):
    lines += [f"Device (nvidia-smi): {open(f'{out}/device.txt').read().strip()}", ""]
lines += ["| precision | batch | size | GPU compute median (ms) | p99 (ms) | host latency median (ms) | images/s (GPU) | peak GPU memory (MiB) | detections/image | vs peer eager FP32 | vs peer autocast FP16 |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
for path in sorted(glob.glob(f"{out}/detserve-*.json")):
    doc = json.load(open(path))
    for r in doc["results"]:
        ratios = {x["peer_precision"]: f"{x['ratio']:.1f}x ({x['peer_median_ms']:.1f} ms)" for x in r["ratios"]}
        dets = sorted(set(r["detections_per_image"]))
        lines.append(f"| {r['precision']} | {r['batch']} | {r['height']}x{r['width']} | {r['gpu_compute_ms']['median']:.3f} | {r['gpu_compute_ms']['p99']:.3f} | "
                     f"{r['host_latency_ms']['median']:.3f} | {r['throughput_images_per_s']:.1f} | {r['peak_device_memory_bytes'] / 2**20:.0f} | "
                     f"{'/'.join(map(str, dets))} | {ratios.get('fp32', '-')} | {ratios.get('fp16', '-')} |")
if os.path.exists(f"{out}/peer.json"):
    peer = json.load(open(f"{out}/peer.json"))
    lines += ["", f"Peer: {peer['peer']} on {peer['device']}, torch {peer['torch']}, torchvision {peer['torchvision']}"]
    for r in peer["results"]:
        lines.append(f"- batch {r['batch']} {r['height']}x{r['width']} {r['precision']}: median {r['gpu_ms']['median']:.2f} ms, p99 {r['gpu_ms']['p99']:.2f} ms "
                     f"over {r['iterations']} runs, {r['images_per_s']:.1f} images/s, detections {sorted(set(r['detections_per_image']))}")
if os.path.exists(f"{out}/gpu-tests.log"):
    text = re.sub(r"\x1b\[[0-9;]*m", "", open(f"{out}/gpu-tests.log").read())
    aps = [l.strip() for l in text.splitlines() if " AP " in l and "Detectron2" in l]
    verdict = [l.strip() for l in text.splitlines() if "Total:" in l or "[FAIL]" in l or "[SKIP]" in l]
    lines += ["", "## Golden COCO AP on the GPU (tests/Runtime.Cuda.Tests, gpu=true)", ""] + [f"- {l}" for l in aps + verdict]
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
