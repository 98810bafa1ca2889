#!/usr/bin/env bash
# Runs the CUDA backend's GPU tests on the device machine (after ../shared/tools/device-bundle
# tests/Backends.Cuda.Tests/Backends.Cuda.Tests.csproj). Logs and the xUnit XML go to $OUT.
# usage: bench/gpu/run-gpu-tests.sh [extra xunit args, e.g. -class Detserve.Backends.Cuda.Tests.Gpu.DnnTests]
set -uo pipefail
source .device/env.sh
out=${OUT:-/tmp/gpu-test-out}
mkdir -p "$out"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  ls /usr/local/cuda/lib64 2>/dev/null | grep -E 'nvrtc|cublasLt|nvjpeg' | head
} > "$out/env.txt" 2>&1
cat "$out/env.txt"
.device/Backends.Cuda.Tests/Backends.Cuda.Tests -trait "gpu=true" -xml "$out/gpu-tests.xml" "$@" 2>&1 | tee "$out/gpu-tests.log"
rc=${PIPESTATUS[0]}
# the test output (device name, algorithms, timings) lives in the XML
python3 - "$out/gpu-tests.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
for t in ET.parse(sys.argv[1]).iter('test'):
    o = t.find('output')
    if t.get('result') != 'Pass' or (o is not None and o.text):
        print(t.get('result'), t.get('name')[:160])
        if o is not None and o.text: print('   ', o.text.strip().replace('\n', '\n    '))
PY
exit "$rc"
