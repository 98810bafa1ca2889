#!/usr/bin/env bash
# The whole-model GPU bench and acceptance run, in one device call (issue 5):
#   1. the device's name (nvidia-smi),
#   2. the PyTorch peer (bench/peers/torchvision_maskrcnn.py, eager FP32 and autocast FP16) at the bench spec's two
#      configurations, batch 1 1344x1344 and batch 8 800x1333 (fewer iterations at batch 8 so the call fits its time),
#   3. `detserve bench --device cuda` at the same configurations in FP16 and FP32 with --peer-json (ratios from one call on one
#      device), seeded zoo-width Mask R-CNN weights (MODEL.WEIGHTS "" overrides the zoo config's ImageNet URL), SCORE_THRESH_TEST 0.0
#      (100 detections per image),
#   4. the GPU tests: tests/Runtime.Cuda.Tests (golden AP in FP32 and FP16 within 0.1 of Detectron2, engines, nvJPEG) and
#      tests/Backends.Cuda.Tests (every kernel against its CPU reference, the whole models against the CPU path), trait gpu=true,
#   4b. detserve build (the seeded bench model as an fp16 engine), bench --engine, and infer --engine --jpeg-decoder gpu/cpu,
#   5. `detserve serve` with the sample Mask R-CNN as a KIND_GPU gpus [0] fp16 instance group: one inference over HTTP, compared
#      with the same image through a KIND_CPU model, and the GPU metric families,
#   6. $OUT/summary.md with the numbers and the ratios.
#
# Here (a machine with the .NET SDK), once per change of the code:
#   bash bench/gpu/run-model-bench.sh --prepare
# publishes the CLI and tests/Runtime.Cuda.Tests, packs them with the golden fixtures they read into .device-bench/bundle.tar.xz and
# the .NET runtime with ASP.NET Core (the CLI references the server) into .device-bench/dotnet-aspnet.tar.xz, and prints the size
# that will travel (tracked files + .device-bench; the limit is 64 MiB). .device/ (the CUDA engineer's bundle) is left alone.
# On the GPU machine (carry [".device-bench"]), with OUT set by the device tool:
#   bash bench/gpu/run-model-bench.sh [--iterations N] [--batch8-iterations N] [--skip-peer] [--skip-tests] [--skip-serve] [--skip-engine] [--skip-bench]
# Every step writes into $OUT as it goes, so a run stopped at its time limit still returns what it finished.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bundle_dir=.device-bench

prepare() {
  set -e
  local exclude; exclude=$(git rev-parse --git-path info/exclude)
  mkdir -p "$(dirname "$exclude")"
  grep -qx "/$bundle_dir/" "$exclude" 2>/dev/null || echo "/$bundle_dir/" >> "$exclude"
  local stage="$bundle_dir/stage"
  rm -rf "$stage" && mkdir -p "$stage"
  for p in src/Cli/Detserve.Cli.csproj tests/Runtime.Cuda.Tests/Runtime.Cuda.Tests.csproj tests/Backends.Cuda.Tests/Backends.Cuda.Tests.csproj; do
    local name; name=$(basename "$p" .csproj)
    dotnet publish "$p" -c Release -r linux-x64 --self-contained false -o "$stage/$name" -p:DebugType=none >/dev/null
    # What a runnable xunit.v3 executable and a framework-dependent CLI do not need on that machine: VSTest/coverage baggage,
    # other platforms' native folders and satellite resources (InvariantGlobalization).
    (cd "$stage/$name" && rm -rf CodeCoverage Microsoft.CodeCoverage* Microsoft.TestPlatform* testhost* x86 x64 arm64 alpine ubuntu macos \
      cs de es fr it ja ko pl pt-BR ru tr zh-Hans zh-Hant ./*.pdb)
    echo "published $name ($(du -sh "$stage/$name" | cut -f1))"
  done
  # The golden files the tests read; the Mask R-CNN .pkl is the tracked samples/ copy (identical file), linked in on the device.
  local golden="${GOLDEN_DIR:-$root/../shared/golden}"
  mkdir -p "$stage/golden/reference"
  cp -r "$golden/configs" "$golden/shapes_test" "$stage/golden/"
  mkdir -p "$stage/golden/models" && cp "$golden/models/retinanet_R_50_FPN_narrow.pkl" "$stage/golden/models/"
  for m in mask_rcnn_R_50_FPN_narrow retinanet_R_50_FPN_narrow; do
    mkdir -p "$stage/golden/reference/$m" && cp "$golden/reference/$m/coco_eval.json" "$stage/golden/reference/$m/"
  done
  tar cf - -C "$stage" . | xz -9e -T1 > "$bundle_dir/bundle.tar.xz.tmp" && mv "$bundle_dir/bundle.tar.xz.tmp" "$bundle_dir/bundle.tar.xz"
  rm -rf "$stage"
  # libjpeg-turbo's TurboJPEG (host JPEG decoding, the reference nvJPEG is compared with): the GPU machine has no libturbojpeg0.
  mkdir -p "$bundle_dir/lib" && cp -L /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0 "$bundle_dir/lib/"
  if [ ! -s "$bundle_dir/dotnet-aspnet.tar.xz" ]; then
    local dotnet_root; dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    echo "packing the .NET runtime with ASP.NET Core from $dotnet_root (once)..."
    (cd "$dotnet_root" && tar cf - dotnet host/fxr shared/Microsoft.NETCore.App shared/Microsoft.AspNetCore.App) | xz -9e -T1 > "$bundle_dir/dotnet-aspnet.tar.xz.tmp"
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
run_serve=1
run_engine=1
run_bench=1
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations=$2; shift 2 ;;
    --batch8-iterations) batch8_iterations=$2; shift 2 ;;
    --skip-peer) run_peer=0; shift ;;
    --skip-tests) run_tests=0; shift ;;
    --skip-serve) run_serve=0; shift ;;
    --skip-engine) run_engine=0; shift ;;
    --skip-bench) run_bench=0; shift ;;
    *) echo "run-model-bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
out=${OUT:-$root/out/model-bench}
mkdir -p "$out"
# Steps write into a work folder; $OUT gets the few files worth keeping (the device tool returns at most 8): summary.md,
# peer.json, one JSON per Detserve configuration and logs.tar.gz with every log.
work=$(mktemp -d /tmp/model-bench.XXXXXX)
[ -s "$bundle_dir/bundle.tar.xz" ] || { echo "no $bundle_dir/bundle.tar.xz: run 'bash bench/gpu/run-model-bench.sh --prepare' first and carry $bundle_dir" >&2; exit 2; }

# .NET unpacked outside the checkout.
if [ ! -x /tmp/dotnet/dotnet ]; then mkdir -p /tmp/dotnet && tar xJf "$bundle_dir/dotnet-aspnet.tar.xz" -C /tmp/dotnet; fi
# Inside the checkout, so that tests finding tests/Fixtures by walking up to Detserve.slnx find them.
app="$root/.device-bench-app"
rm -rf "$app" && mkdir -p "$app" && tar xJf "$bundle_dir/bundle.tar.xz" -C "$app"
mkdir -p "$app/golden/models" && cp samples/mask_rcnn_R_50_FPN_narrow/model_final.pkl "$app/golden/models/mask_rcnn_R_50_FPN_narrow.pkl"
export DOTNET_ROOT=/tmp/dotnet PATH=/tmp/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 GOLDEN_DIR="$app/golden" PYTHONUNBUFFERED=1
sp=$(python3 -c 'import site;print(site.getsitepackages()[0])' 2>/dev/null || true)
for d in "$sp/nvidia/cu13/lib" "$sp/nvidia/cudnn/lib" /usr/local/cuda/lib64 "$root/$bundle_dir/lib"; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
detserve() { dotnet "$app/Detserve.Cli/detserve.dll" "$@"; }

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$work/device.txt"
config="$app/golden/configs/COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml"

# The peer: one file per configuration (the batch-8 one with fewer iterations), merged into peer.json.
if [ "$run_peer" = 1 ]; then
  python3 bench/peers/torchvision_maskrcnn.py --configs b1:1344x1344 --iterations "$iterations" --out "$work/peer-b1.json" 2>&1 | tee "$work/peer.log"
  python3 bench/peers/torchvision_maskrcnn.py --configs b8:800x1333 --iterations "$batch8_iterations" --out "$work/peer-b8.json" 2>&1 | tee -a "$work/peer.log"
  python3 - "$work" <<'PY'
import json, sys
out = sys.argv[1]
parts = [json.load(open(f"{out}/{n}")) for n in ("peer-b1.json", "peer-b8.json")]
merged = dict(parts[0]); merged["results"] = parts[0]["results"] + parts[1]["results"]
json.dump(merged, open(f"{out}/peer.json", "w"), indent=2)
PY
fi
peer_args=()
[ -s "$work/peer.json" ] && peer_args=(--peer-json "$work/peer.json")

# Detserve: the two configurations, each precision; seeded weights, 100 detections per image.
for precision in fp16 fp32; do
  [ "$run_bench" = 1 ] || break
  for cfg in "1 1344x1344 $iterations" "8 800x1333 $iterations"; do
    set -- $cfg
    detserve bench --config "$config" --device cuda --precision "$precision" --batch "$1" --size "$2" --iterations "$3" --warmup 10 \
      "${peer_args[@]}" --json "$work/detserve-$precision-b$1.json" MODEL.WEIGHTS '""' MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.0 2>&1 | tee -a "$work/detserve.log"
  done
done

if [ "$run_tests" = 1 ]; then
  timeout 240 "$app/Runtime.Cuda.Tests/Runtime.Cuda.Tests" -trait "gpu=true" 2>&1 | tee "$work/gpu-tests.log"
  echo "Runtime.Cuda.Tests rc ${PIPESTATUS[0]}" | tee -a "$work/gpu-tests.log"
  timeout 150 "$app/Backends.Cuda.Tests/Backends.Cuda.Tests" -trait "gpu=true" 2>&1 | tee "$work/gpu-backend-tests.log"
  echo "Backends.Cuda.Tests rc ${PIPESTATUS[0]}" | tee -a "$work/gpu-backend-tests.log"
fi

if [ "$run_engine" = 1 ]; then
  # detserve build -> bench --engine (the bench spec's seeded model as an fp16 engine), and infer --engine on the golden images
  # as JPEGs with nvJPEG decoding and one shape bucket, against the same run decoding on the host.
  {
    detserve build --config "$config" --seeded-weights 0 --precision fp16 --max-batch 8 --shape-buckets 1344x1344 -o /tmp/bench.engine \
      MODEL.WEIGHTS '""' MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.0
    detserve inspect --engine /tmp/bench.engine | head -8
    detserve bench --engine /tmp/bench.engine --device cuda --batch 1 --size 1344x1344 --iterations 50 --warmup 10 --json "$work/engine-bench.json"
    jpegs=/tmp/golden-jpeg && rm -rf "$jpegs" && mkdir -p "$jpegs"
    python3 -c "import glob,os,PIL.Image as I;[I.open(p).convert('RGB').save('$jpegs/'+os.path.basename(p)[:-4]+'.jpg',quality=95,subsampling=0) for p in glob.glob('$app/golden/shapes_test/*.png')]"
    detserve build --config "$app/golden/configs/COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_narrow.yaml" \
      --weights "$app/golden/models/mask_rcnn_R_50_FPN_narrow.pkl" --precision fp16 -o /tmp/golden.engine
    for dec in cpu gpu; do
      /usr/bin/time -f "infer --jpeg-decoder $dec: %e s wall" dotnet "$app/Detserve.Cli/detserve.dll" infer --engine /tmp/golden.engine --device cuda \
        --jpeg-decoder "$dec" --shape-buckets 1344x1344 --input "$jpegs" --output "/tmp/infer-$dec" --no-visualize
    done
    python3 - <<'PY'
import csv
rows = {d: list(csv.reader(open(f"/tmp/infer-{d}/detections.tsv"), delimiter="\t"))[1:] for d in ("cpu", "gpu")}
same = rows["cpu"] == rows["gpu"]
print(f"infer --engine, JPEG 4:4:4 q95: {len(rows['cpu'])} detections decoding on the host, {len(rows['gpu'])} with nvJPEG; identical TSV: {same}")
PY
  } 2>&1 | tee "$work/engine.log"
fi

if [ "$run_serve" = 1 ]; then
  # The sample model twice in one repository: on GPU 0 in fp16 and on the CPU; one seeded image through each over HTTP.
  repo=/tmp/detserve-repo
  rm -rf "$repo" && mkdir -p "$repo/mask_rcnn_gpu/1" "$repo/mask_rcnn_cpu/1"
  sample="$root/samples/mask_rcnn_R_50_FPN_narrow"
  for m in gpu cpu; do
    kind=KIND_CPU; precision=fp32; gpus=""
    [ "$m" = gpu ] && { kind=KIND_GPU; precision=fp16; gpus="gpus: [ 0 ]"; }
    cat > "$repo/mask_rcnn_$m/config.pbtxt" <<PBTXT
backend: "detserve"
max_batch_size: 2
instance_group [ { count: 1 kind: $kind $gpus } ]
parameters { key: "precision" value { string_value: "$precision" } }
parameters { key: "config_file" value { string_value: "$sample/configs/COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_narrow.yaml" } }
parameters { key: "weights_file" value { string_value: "$sample/model_final.pkl" } }
PBTXT
  done
  detserve serve --model-repository "$repo" --http-port 18000 --grpc-port 18001 --metrics-port 18002 > "$work/serve.log" 2>&1 &
  serve_pid=$!
  python3 - "$work" <<'PY' 2>&1 | tee "$work/serve-check.txt"
import json, sys, time, urllib.request, random
out = sys.argv[1]
def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r: return r.status, r.read().decode()
    except Exception as e: return None, str(e)
def index():
    try:
        req = urllib.request.Request("http://127.0.0.1:18000/v2/repository/index", data=b"{}", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r: return {m["name"]: m for m in json.loads(r.read())}
    except Exception: return {}
# Both models ready, or one of them failed its load (UNAVAILABLE with the reason), within 3 minutes (first NVRTC compiles included).
for _ in range(360):
    states = {n: m.get("state") for n, m in index().items()}
    if states and all(v in ("READY", "UNAVAILABLE") for v in states.values()) and len(states) == 2: break
    time.sleep(0.5)
print("index:", json.dumps(list(index().values())))
random.seed(7); h, w = 256, 320
pixels = [random.randrange(256) for _ in range(h * w * 3)]
body = json.dumps({"inputs": [{"name": "input_tensor", "datatype": "UINT8", "shape": [1, h, w, 3], "data": pixels}],
                   "outputs": [{"name": n} for n in ("num_detections", "detection_scores", "detection_classes", "detection_boxes")]}).encode()
results = {}
for m in ("mask_rcnn_gpu", "mask_rcnn_cpu"):
    t0 = time.perf_counter()
    try:
        req = urllib.request.Request(f"http://127.0.0.1:18000/v2/models/{m}/infer", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r: doc = json.loads(r.read())
        outs = {o["name"]: o["data"] for o in doc["outputs"]}
        results[m] = outs
        print(f"{m}: {outs['num_detections']} detections, top scores {[round(s, 4) for s in outs['detection_scores'][:5]]}, "
              f"classes {outs['detection_classes'][:5]}, {1000 * (time.perf_counter() - t0):.1f} ms")
    except Exception as e:
        print(f"{m}: infer failed: {e}")
if len(results) == 2:
    g, c = results["mask_rcnn_gpu"], results["mask_rcnn_cpu"]
    n = min(len(g["detection_scores"]), len(c["detection_scores"]))
    d = max([abs(a - b) for a, b in zip(g["detection_scores"][:n], c["detection_scores"][:n])] or [0])
    print(f"gpu fp16 vs cpu fp32: {g['num_detections']} vs {c['num_detections']} detections, same classes in order: "
          f"{g['detection_classes'][:n] == c['detection_classes'][:n]}, max score difference {d:.4f}")
status, metrics = get("http://127.0.0.1:18002/metrics")
print("\n".join(l for l in (metrics or "").splitlines() if l.startswith("nv_gpu_") or l.startswith("nv_inference_count")))
PY
  kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null
fi

python3 - "$work" <<'PY'
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
    aps = list(dict.fromkeys(l.strip() for l in text.splitlines() if re.match(r"\s*(mask_rcnn|retinanet)_\S+ cuda fp(16|32): (bbox|segm) AP ", l)))
    verdict = [l.strip() for l in text.splitlines() if "Total:" in l or "[FAIL]" in l or "[SKIP]" in l]
    lines += ["", "## Golden COCO AP on the GPU (tests/Runtime.Cuda.Tests, gpu=true)", ""] + [f"- {l}" for l in aps + verdict]
if os.path.exists(f"{out}/gpu-backend-tests.log"):
    text = re.sub(r"\x1b\[[0-9;]*m", "", open(f"{out}/gpu-backend-tests.log").read())
    lines += ["", "## Kernel and whole-model parity (tests/Backends.Cuda.Tests, gpu=true)", ""] + [f"- {l.strip()}" for l in text.splitlines() if "Total:" in l or "[FAIL]" in l or " rc " in l]
if os.path.exists(f"{out}/engine.log"):
    keep = [l for l in open(f"{out}/engine.log").read().splitlines() if l.startswith(("GPU Compute", "Throughput", "infer --", "/tmp/", "build ", "detserve:"))]
    lines += ["", "## detserve build / bench --engine / infer --engine --jpeg-decoder gpu --shape-buckets", "", "```"] + keep + ["```"]
if os.path.exists(f"{out}/serve-check.txt"):
    lines += ["", "## detserve serve: KIND_GPU fp16 instance vs KIND_CPU, and GPU metrics", "", "```", open(f"{out}/serve-check.txt").read().strip(), "```"]
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

cp "$work/summary.md" "$out/" 2>/dev/null
cp "$work"/detserve-*.json "$out/" 2>/dev/null
[ -s "$work/peer.json" ] && cp "$work/peer.json" "$out/"
tar czf "$out/logs.tar.gz" -C "$work" $(cd "$work" && ls *.log *.txt peer-b*.json 2>/dev/null)
echo "results in $out: $(ls "$out" | tr '\n' ' ')"
