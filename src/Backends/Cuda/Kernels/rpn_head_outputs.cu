// rpn_head_outputs.cu: StandardRPNHead's two 1x1 output convs (detectron2/modeling/proposal_generator/rpn.py: objectness_logits
// and anchor_deltas, both on the shared 3x3 conv's ReLU output) for one FPN level of the FP16 network, computed in float32 and
// written straight into the float32 per-image buffers find_top_rpn_proposals reads.
//
// Why: with the convs in cuDNN FP16 the logits come out rounded to half (11 significant bits), and the pre-NMS top-k over
// ~10^5 anchors then orders thousands of near-equal logits by ties and rounding: on the golden Mask R-CNN that alone cost
// 0.18 bbox / 0.19 segm AP against Detectron2 (bench/gpu/NOTES.md, "FP16 accuracy"); the same layers in float32 from the
// same half input give back Detectron2's numbers within 0.03.
//
// Layout: feature [batch, height, width, channels] float16 NHWC (bits as unsigned short), weight [outputs, channels] float32
//         (rows 0..A-1 objectness, rows A..5A-1 anchor deltas, PyTorch's [out, in, 1, 1] order), bias [outputs] float32.
//         objectness: image n's level-l values at objectness[n * objImageStride + objOffset + a * plane + p] (NCHW, the CPU /
//         FP32 path's concatenation order); deltas likewise at deltas[n * delImageStride + delOffset + k * plane + p], k < 4A.
// Mapping: one warp per (image, position); lanes walk the channels 32 apart (coalesced 64-byte loads), each lane keeps one
//          partial sum per output, warp-shuffle butterfly reduction, lane o writes output o.
// Semantics: bias + sum_c w[o, c] * (float)x[c] in float32 (the order of the sum differs from cuDNN's; both float32).
// CPU reference: Conv2d.Forward (1x1) on the float32 values of the half input.

#define RPN_MAX_OUTPUTS 32

__device__ __forceinline__ float rpn_h2f(unsigned short h)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

extern "C" __global__ void rpn_head_outputs_nhwc_half(
    const unsigned short* __restrict__ feature, int batch, int plane, int channels,
    const float* __restrict__ weight, const float* __restrict__ bias, int anchors,
    float* __restrict__ objectness, long long objImageStride, long long objOffset,
    float* __restrict__ deltas, long long delImageStride, long long delOffset)
{
    const int lane = threadIdx.x & 31;
    const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    if (warp >= (long long)batch * plane) return;
    const int n = (int)(warp / plane);
    const int p = (int)(warp % plane);
    const int outputs = 5 * anchors;
    const unsigned short* x = feature + warp * channels;

    float acc[RPN_MAX_OUTPUTS];
#pragma unroll
    for (int o = 0; o < RPN_MAX_OUTPUTS; o++) acc[o] = 0.0f;
    for (int c = lane; c < channels; c += 32)
    {
        const float v = rpn_h2f(x[c]);
#pragma unroll
        for (int o = 0; o < RPN_MAX_OUTPUTS; o++)
            if (o < outputs) acc[o] += __ldg(weight + (long long)o * channels + c) * v;
    }
    float mine = 0.0f;
#pragma unroll
    for (int o = 0; o < RPN_MAX_OUTPUTS; o++)
    {
        if (o >= outputs) break;
        float s = acc[o];
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) s += __shfl_xor_sync(0xffffffffu, s, offset);
        if (lane == o) mine = s;
    }
    if (lane >= outputs) return;
    const float value = mine + bias[lane];
    if (lane < anchors)
        objectness[n * objImageStride + objOffset + (long long)lane * plane + p] = value;
    else
        deltas[n * delImageStride + delOffset + (long long)(lane - anchors) * plane + p] = value;
}
