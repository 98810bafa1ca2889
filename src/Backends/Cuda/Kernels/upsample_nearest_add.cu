// upsample_nearest_add.cu: FPN top-down step, lateral + F.interpolate(top, scale_factor=2, mode="nearest").
//
// Layout: top [planes, h, w], lateral and output [planes, 2h, 2w], float32 NCHW contiguous; output may alias lateral.
// Mapping: one thread per output element; grid.x covers 4*h*w, grid.y = planes.
// Semantics: nearest source index = floor(dst / 2) (PyTorch nearest_idx with scale 2), then one float add
//            (detectron2 modeling/backbone/fpn.py: prev_features = lateral_features + top_down_features).
// CPU reference: Detserve.Backends.Cpu.UpsampleNearest.Forward2xAdd.

extern "C" __global__ void upsample_nearest2x_add(
    const float* __restrict__ top, int h, int w,
    const float* lateral, float* output)
{
    const long long plane = blockIdx.y;
    const int outW = 2 * w;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= 4 * h * w) return;
    const int y = i / outW;
    const int x = i - y * outW;
    const long long o = plane * 4 * h * w + i;
    output[o] = lateral[o] + top[plane * h * w + (y >> 1) * w + (x >> 1)];
}
