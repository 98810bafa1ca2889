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
// Mapping: grid (at most ceil(plane / 128), batch): a block walks tiles of 128 positions of image blockIdx.y, one thread per
//          position (no 64-bit division anywhere). The block first copies the
//          weights into shared memory transposed to [channel][output, padded to 4] so a thread reads four outputs' weights of
//          one channel with one 16-byte broadcast load. Then, 32 channels at a time, the block stages its 128 positions' input
//          into shared memory with coalesced 16-byte (8 x half) loads (rows padded to 40 halves: the 16-byte reads of 8
//          consecutive threads hit 32 distinct banks), and each thread accumulates its position's outputs in registers. The
//          writes (plane-contiguous per output) are coalesced across the block.
// Semantics: bias + sum_c w[o, c] * (float)x[c] in float32 (the order of the sum differs from cuDNN's; both float32).
// CPU reference: Conv2d.Forward (1x1) on the float32 values of the half input.
// Requires: channels % 8 == 0 and 4 * ceil(5A / 4) * channels <= RPN_MAX_WEIGHTS (RpnHeadOutputsOp checks both).

#define RPN_MAX_OUTPUTS 32
#define RPN_MAX_WEIGHTS 8192
#define RPN_POSITIONS 128
#define RPN_CHUNK 32
#define RPN_ROW 40

__device__ __forceinline__ float rpn_h2f(unsigned short h)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

extern "C" __global__ void __launch_bounds__(RPN_POSITIONS) rpn_head_outputs_nhwc_half(
    const unsigned short* __restrict__ feature, int batch, int plane, int channels,
    const float* __restrict__ weight, const float* __restrict__ bias, int anchors,
    float* __restrict__ objectness, long long objImageStride, long long objOffset,
    float* __restrict__ deltas, long long delImageStride, long long delOffset)
{
    __shared__ __align__(16) float sw[RPN_MAX_WEIGHTS];
    __shared__ __align__(16) unsigned short tile[RPN_POSITIONS * RPN_ROW];

    const int n = blockIdx.y;
    const int t = threadIdx.x;
    const int outputs = 5 * anchors;
    const int quads = (outputs + 3) >> 2;
    const int ostride = quads << 2;

    // Coalesced global reads of the [outputs, channels] weights; the padding outputs get zero weights.
    for (int i = t; i < outputs * channels; i += RPN_POSITIONS)
    {
        const int o = i / channels, c = i - o * channels;
        sw[c * ostride + o] = weight[i];
    }
    for (int i = t; i < (ostride - outputs) * channels; i += RPN_POSITIONS)
    {
        const int pad = ostride - outputs, c = i / pad;
        sw[c * ostride + outputs + (i - c * pad)] = 0.0f;
    }

    const bool aligned = (((unsigned long long)feature) & 15ull) == 0;
    const int tiles = (plane + RPN_POSITIONS - 1) / RPN_POSITIONS;
    // Block-uniform loop over this image's tiles of positions (the grid may hold fewer blocks than tiles, so each block's
    // shared weights serve several tiles).
    for (int tileIndex = blockIdx.x; tileIndex < tiles; tileIndex += gridDim.x)
    {
        const int p0 = tileIndex * RPN_POSITIONS;
        const int valid = min(RPN_POSITIONS, plane - p0);
        const unsigned short* base = feature + ((long long)n * plane + p0) * channels;

        float acc[RPN_MAX_OUTPUTS];
#pragma unroll
        for (int o = 0; o < RPN_MAX_OUTPUTS; o++) acc[o] = 0.0f;

        for (int c0 = 0; c0 < channels; c0 += RPN_CHUNK)
        {
            const int vectors = min(RPN_CHUNK, channels - c0) >> 3; // 8 halves each
            __syncthreads(); // the previous chunk's reads are done (and, the first time, the weights are in)
            for (int v = t; v < RPN_POSITIONS * 4; v += RPN_POSITIONS)
            {
                const int q = v >> 2, part = v & 3;
                if (part >= vectors) continue;
                uint4 val = make_uint4(0u, 0u, 0u, 0u);
                if (q < valid)
                {
                    const unsigned short* src = base + (long long)q * channels + c0 + part * 8;
                    if (aligned)
                        val = __ldg(reinterpret_cast<const uint4*>(src));
                    else
                    {
                        unsigned short h[8];
#pragma unroll
                        for (int j = 0; j < 8; j++) h[j] = src[j];
                        val.x = h[0] | ((unsigned)h[1] << 16); val.y = h[2] | ((unsigned)h[3] << 16);
                        val.z = h[4] | ((unsigned)h[5] << 16); val.w = h[6] | ((unsigned)h[7] << 16);
                    }
                }
                *reinterpret_cast<uint4*>(tile + q * RPN_ROW + part * 8) = val;
            }
            __syncthreads();
#pragma unroll
            for (int part = 0; part < 4; part++)
            {
                if (part >= vectors) break;
                const uint4 val = *reinterpret_cast<const uint4*>(tile + t * RPN_ROW + part * 8);
                const unsigned words[4] = { val.x, val.y, val.z, val.w };
#pragma unroll
                for (int j = 0; j < 8; j++)
                {
                    const float xv = rpn_h2f((unsigned short)(words[j >> 1] >> ((j & 1) * 16)));
                    const float4* wq = reinterpret_cast<const float4*>(sw + (c0 + part * 8 + j) * ostride);
#pragma unroll
                    for (int q4 = 0; q4 < RPN_MAX_OUTPUTS / 4; q4++)
                    {
                        if (q4 >= quads) break;
                        const float4 w4 = wq[q4];
                        acc[4 * q4] += w4.x * xv;
                        acc[4 * q4 + 1] += w4.y * xv;
                        acc[4 * q4 + 2] += w4.z * xv;
                        acc[4 * q4 + 3] += w4.w * xv;
                    }
                }
            }
        }
        if (t < valid)
        {
            const int p = p0 + t;
#pragma unroll
            for (int o = 0; o < RPN_MAX_OUTPUTS; o++)
            {
                if (o >= outputs) break;
                const float value = acc[o] + bias[o];
                if (o < anchors)
                    objectness[n * objImageStride + objOffset + (long long)o * plane + p] = value;
                else
                    deltas[n * delImageStride + delOffset + (long long)(o - anchors) * plane + p] = value;
            }
        }
    }
}
