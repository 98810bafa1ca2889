#!/usr/bin/env bash
# RetinaNet on the GPU in one device call: the RetinaNet GPU tests (post-processing parity, whole model vs the CPU Predictor, the
# zoo timing test, GpuBenchmark on a RetinaNet), the golden COCO AP (fp32, fp16), and the zoo RetinaNet bench at 800x1333, batch 1
# and 8, FP32 and FP16 (seeded weights, SCORE_THRESH_TEST 0.0), each step under its own time limit; logs into $OUT.
#
# Here (a machine with the .NET SDK), from a worktree of the commit to run (never publish inside a checkout others build in):
#   bash bench/gpu/run-retina.sh --prepare DIR
# publishes tests/Backends.Cuda.Tests, tests/Runtime.Cuda.Tests and bench/gpu into DIR/bundle.tar.xz with the golden files they
# read (configs, zoo configs, the RetinaNet .pkl, shapes_test, its reference), plus the .NET runtime; copy DIR into the checkout
# as .device-retina (ignored) and carry it. On the GPU machine:
#   bash bench/gpu/run-retina.sh [--skip-tests] [--skip-ap] [--skip-bench] [--iterations N]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

if [ "${1:-}" = "--prepare" ]; then
  set -e
  dir=$(realpath -m "${2:?usage: run-retina.sh --prepare DIR}")
  stage=$(mktemp -d /tmp/retina-stage.XXXXXX)
  for p in tests/Backends.Cuda.Tests/Backends.Cuda.Tests.csproj tests/Runtime.Cuda.Tests/Runtime.Cuda.Tests.csproj bench/gpu/Detserve.Bench.Gpu.csproj; do
    name=$(basename "$p" .csproj)
    dotnet publish "$p" -c Release -r linux-x64 --self-contained false -o "$stage/$name" -p:DebugType=none >/dev/null
    (cd "$stage/$name" && rm -rf CodeCoverage Microsoft.CodeCoverage* Microsoft.TestPlatform* testhost* x86 x64 arm64 alpine ubuntu macos \
      cs de es fr it ja ko pl pt-BR ru tr zh-Hans zh-Hant ./*.pdb)
  done
  golden="${GOLDEN_DIR:-$root/../shared/golden}"
  mkdir -p "$stage/golden/models" "$stage/golden/reference"
  cp -r "$golden/configs" "$golden/zoo-configs" "$golden/shapes_test" "$stage/golden/"
  cp "$golden/models/retinanet_R_50_FPN_narrow.pkl" "$stage/golden/models/"
  cp -r "$golden/reference/retinanet_R_50_FPN_narrow" "$stage/golden/reference/"
  mkdir -p "$dir"
  tar cf - -C "$stage" . | xz -T0 -9 > "$dir/bundle.tar.xz"
  rm -rf "$stage"
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  [ -s "$dir/dotnet-core.tar.xz" ] || (cd "$dotnet_root" && tar cf - dotnet host/fxr shared/Microsoft.NETCore.App) | xz -T0 -6 > "$dir/dotnet-core.tar.xz"
  du -sh "$dir"/*
  exit 0
fi

run_tests=1; run_ap=1; run_bench=1; iterations=50
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-tests) run_tests=0; shift ;;
    --skip-ap) run_ap=0; shift ;;
    --skip-bench) run_bench=0; shift ;;
    --iterations) iterations=$2; shift 2 ;;
    *) echo "run-retina.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
bundle=$root/.device-retina
out=${OUT:-/tmp/retina-out}
mkdir -p "$out"
if [ ! -x /tmp/dotnet/dotnet ]; then mkdir -p /tmp/dotnet && tar xJf "$bundle/dotnet-core.tar.xz" -C /tmp/dotnet; fi
app=/tmp/retina-app
rm -rf "$app" && mkdir -p "$app" && tar xJf "$bundle/bundle.tar.xz" -C "$app"
export DOTNET_ROOT=/tmp/dotnet PATH=/tmp/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 GOLDEN_DIR="$app/golden"
sp=$(python3 -c 'import site;print(site.getsitepackages()[0])' 2>/dev/null || true)
for d in "$sp/nvidia/cu13/lib" "$sp/nvidia/cudnn/lib" /usr/local/cuda/lib64; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
export CUDA_INCLUDE_DIR=/usr/local/cuda/include
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt"

# xunit.v3's XML keeps every test's output (device name, timings, stage logs); the summary prints it.
summarize() {
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for t in ET.parse(sys.argv[1]).iter('test'):
    o = t.find('output')
    print(t.get('result'), t.get('time'), t.get('name')[:200])
    f = t.find('failure')
    if f is not None:
        m = f.find('message')
        if m is not None and m.text: print('   FAILURE:', m.text.strip()[:3000].replace('\n', '\n    '))
    if o is not None and o.text: print('   ', o.text.strip()[:4000].replace('\n', '\n    '))
PY
}

if [ "$run_tests" = 1 ]; then
  t="$app/Backends.Cuda.Tests/Backends.Cuda.Tests"
  timeout 250 "$t" -trait "gpu=true" -noColor -longRunning 30 -xml "$out/cuda-tests.xml" \
    -class Detserve.Backends.Cuda.Tests.Gpu.RetinaNetPostprocessOpTests \
    -class Detserve.Backends.Cuda.Tests.Runtime.RetinaNetWholeModelTests \
    -class Detserve.Backends.Cuda.Tests.Runtime.RetinaNetZooTimingTests \
    -class Detserve.Backends.Cuda.Tests.Runtime.RetinaNetBenchmarkTests > "$out/cuda-tests.log" 2>&1
  echo "Backends.Cuda.Tests rc $?" | tee -a "$out/summary.txt"
  tail -3 "$out/cuda-tests.log" | tee -a "$out/summary.txt"
  [ -s "$out/cuda-tests.xml" ] && summarize "$out/cuda-tests.xml" >> "$out/summary.txt"
fi
if [ "$run_ap" = 1 ]; then
  timeout 120 "$app/Runtime.Cuda.Tests/Runtime.Cuda.Tests" -trait "gpu=true" -noColor -longRunning 30 -xml "$out/ap-tests.xml" \
    -method "*RetinaNet_ApWithinTenthOfAPointOfDetectron2" > "$out/ap-tests.log" 2>&1
  echo "Runtime.Cuda.Tests rc $?" | tee -a "$out/summary.txt"
  grep -E "retinanet_\S+ cuda fp(16|32): bbox AP " "$out/ap-tests.log" | sort -u | tee -a "$out/summary.txt"
  tail -3 "$out/ap-tests.log" | tee -a "$out/summary.txt"
fi
if [ "$run_bench" = 1 ]; then
  config="$app/golden/zoo-configs/COCO-Detection/retinanet_R_50_FPN_3x.yaml"
  timeout 190 dotnet "$app/Detserve.Bench.Gpu/detserve-gpu-kernel-bench.dll" model --config "$config" --size 800x1333 --batch 1,8 \
    --precision fp32,fp16 --iterations "$iterations" --warmup 5 --json "$out/retina-bench.json" > "$out/retina-bench.log" 2>&1
  echo "bench rc $?" | tee -a "$out/summary.txt"
  grep -E "^RESULT|stages |node time sums" "$out/retina-bench.log" | tee -a "$out/summary.txt"
fi
