// box_decode.cu: detectron2 Box2BoxTransform.apply_deltas, optionally followed by Boxes.clip.
//
// Layout: boxes [count, 4] float32 (x1, y1, x2, y2), deltas and output [count, boxesPerRow * 4] (k boxes per
//         row, e.g. one per class; dx, dy, dw, dh), output may alias deltas.
// Mapping: one thread per decoded box; grid.x covers count * boxesPerRow.
// Semantics (modeling/box_regression.py, float32, this operation order): w = x2 - x1, cx = x1 + 0.5*w,
//   dx = delta / wx, dw = min(delta / ww, scaleClamp), pcx = dx*w + cx, pw = exp(dw)*w,
//   x1' = pcx - 0.5*pw, x2' = pcx + 0.5*pw. With clipHeight >= 0, x is clamped to [0, clipWidth] and y to
//   [0, clipHeight] (structures/boxes.py Boxes.clip: the bound is the size, not size - 1).
// CPU reference: Detserve.Backends.Cpu.Box2BoxTransform.ApplyDeltas then Detserve.Backends.Cpu.Boxes.Clip.

// NaN passes through both clamps, as torch.clamp and the CPU reference keep it.
__device__ __forceinline__ float clamp_to(float v, float hi) { return isnan(v) ? v : fminf(fmaxf(v, 0.0f), hi); }
__device__ __forceinline__ float clamp_max(float v, float hi) { return v > hi ? hi : v; }

extern "C" __global__ void box_decode(
    const float* __restrict__ boxes, const float* deltas, int count, int boxesPerRow,
    float wx, float wy, float ww, float wh, float scaleClamp,
    float clipHeight, float clipWidth, float* output)
{
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long)count * boxesPerRow) return;
    const long long i = t / boxesPerRow;
    const float x0 = boxes[i * 4 + 0], y0 = boxes[i * 4 + 1];
    const float widths = boxes[i * 4 + 2] - x0;
    const float heights = boxes[i * 4 + 3] - y0;
    const float ctrX = x0 + 0.5f * widths;
    const float ctrY = y0 + 0.5f * heights;
    const long long o = t * 4;
    const float dx = deltas[o + 0] / wx;
    const float dy = deltas[o + 1] / wy;
    const float dw = clamp_max(deltas[o + 2] / ww, scaleClamp);
    const float dh = clamp_max(deltas[o + 3] / wh, scaleClamp);
    const float predCtrX = dx * widths + ctrX;
    const float predCtrY = dy * heights + ctrY;
    const float predW = expf(dw) * widths;
    const float predH = expf(dh) * heights;
    float bx0 = predCtrX - 0.5f * predW;
    float by0 = predCtrY - 0.5f * predH;
    float bx1 = predCtrX + 0.5f * predW;
    float by1 = predCtrY + 0.5f * predH;
    if (clipHeight >= 0.0f)
    {
        bx0 = clamp_to(bx0, clipWidth);
        by0 = clamp_to(by0, clipHeight);
        bx1 = clamp_to(bx1, clipWidth);
        by1 = clamp_to(by1, clipHeight);
    }
    output[o + 0] = bx0;
    output[o + 1] = by0;
    output[o + 2] = bx1;
    output[o + 3] = by1;
}
