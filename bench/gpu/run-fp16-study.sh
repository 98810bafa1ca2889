#!/usr/bin/env bash
# The FP16 accuracy study in one device call (bench/gpu/NOTES.md, "FP16 accuracy"): which stage groups kept in float32 bring the
# golden Mask R-CNN's FP16 COCO AP within 0.1 of Detectron2's, and what they cost at the bench spec's two configurations.
#   1. the golden AP of each variant in STUDY (';'-separated values of DETSERVE_CUDA_FP16_FP32_STAGES, one process:
#      tests/Runtime.Cuda.Tests Fp16StageStudyTests),
#   (APTESTS=1: also the acceptance test GpuGoldenApTests.MaskRcnn_ApWithinTenthOfAPointOfDetectron2, fp32 and fp16 defaults),
#   2. `detserve bench --device cuda --precision fp16` at batch 1 1344x1344 and batch 8 800x1333 for each variant in BENCH (an empty item: the default)
#      (seeded zoo-width weights, SCORE_THRESH_TEST 0.0, as run-model-bench.sh).
# Here: bash bench/gpu/run-model-bench.sh --prepare (the same .device-bench bundle). On the GPU machine (carry [".device-bench"]):
#   STUDY="none;rpn-out" BENCH="none;rpn-out" bash bench/gpu/run-fp16-study.sh [--iterations N] [--batch8-iterations N]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bundle_dir=.device-bench
iterations=50
batch8_iterations=20
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations=$2; shift 2 ;;
    --batch8-iterations) batch8_iterations=$2; shift 2 ;;
    *) echo "run-fp16-study.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
out=${OUT:-$root/out/fp16-study}
mkdir -p "$out"
[ -s "$bundle_dir/bundle.tar.xz" ] || { echo "no $bundle_dir/bundle.tar.xz: run 'bash bench/gpu/run-model-bench.sh --prepare' first" >&2; exit 2; }
if [ ! -x /tmp/dotnet/dotnet ]; then mkdir -p /tmp/dotnet && tar xJf "$bundle_dir/dotnet-aspnet.tar.xz" -C /tmp/dotnet; fi
app=/tmp/detserve-study
rm -rf "$app" && mkdir -p "$app" && tar xJf "$bundle_dir/bundle.tar.xz" -C "$app"
mkdir -p "$app/golden/models" && cp samples/mask_rcnn_R_50_FPN_narrow/model_final.pkl "$app/golden/models/mask_rcnn_R_50_FPN_narrow.pkl"
export DOTNET_ROOT=/tmp/dotnet PATH=/tmp/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 GOLDEN_DIR="$app/golden"
sp=$(python3 -c 'import site;print(site.getsitepackages()[0])' 2>/dev/null || true)
for d in "$sp/nvidia/cu13/lib" "$sp/nvidia/cudnn/lib" /usr/local/cuda/lib64; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt"

if [ -n "${STUDY:-}" ]; then
  DETSERVE_FP16_STUDY="$STUDY" "$app/Runtime.Cuda.Tests/Runtime.Cuda.Tests" -class Detserve.Runtime.Cuda.Tests.Fp16StageStudyTests 2>&1 \
    | tee "$out/study.log" | grep -E "fp32 stages|Total:|FAIL"
fi

if [ "${APTESTS:-0}" = 1 ]; then
  "$app/Runtime.Cuda.Tests/Runtime.Cuda.Tests" -method Detserve.Runtime.Cuda.Tests.GpuGoldenApTests.MaskRcnn_ApWithinTenthOfAPointOfDetectron2 2>&1 \
    | tee "$out/ap-tests.log" | grep -E "AP |Total:|FAIL"
fi

config="$app/golden/configs/COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml"
IFS=';' read -r -a variants <<< "${BENCH:-}"
for v in "${variants[@]}"; do
  for cfg in "1 1344x1344 $iterations" "8 800x1333 $batch8_iterations"; do
    set -- $cfg
    DETSERVE_CUDA_FP16_FP32_STAGES="$v" dotnet "$app/Detserve.Cli/detserve.dll" bench --config "$config" --device cuda --precision fp16 \
      --batch "$1" --size "$2" --iterations "$3" --warmup 10 MODEL.WEIGHTS '""' MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.0 2>&1 \
      | tee -a "$out/bench.log" | grep -E "^(===|Throughput|GPU Compute Time|Stages|Detections)" | sed "s/^/[fp32 stages $v] /" | tee -a "$out/bench-summary.txt"
  done
done
echo "results in $out: $(ls "$out" | tr '\n' ' ')"
