// roi_align.cu: detectron2 ROIPooler with ROIAlignV2 over up to 5 FPN levels (multi-level ROIAlign).
//
// Layout: level l features [batch, channels, heights[l], widths[l]] float32 NCHW (pointers feat0..feat4);
//         rois [count, 5] float32 (batch index, x1, y1, x2, y2) in input-image pixels (convert_boxes_to_pooler_format);
//         output [count, channels, pooled, pooled].
// Mapping: one thread per output element; grid.x covers count * channels * pooled * pooled.
// roi_align_multilevel_nhwc_half (the FP16 network's variant): features [batch, heights[l], widths[l], channels]
//   float16 NHWC, output [count, pooled, pooled, channels] float16 (the _to_nchw_f32 entries: float32 NCHW, unrounded), one thread per output element with the channel
//   fastest (coalesced loads); the same arithmetic in float32 on the half values, the average rounded to half once;
//   roi_align_multilevel_nhwc_half8 (channels % 8 == 0) gives each thread 8 channels (16-byte loads), same result.
// Semantics: level = clamp(floor(canonicalLevel + log2(sqrt(area) / canonicalSize + 1e-8)), minLevel, maxLevel)
//   (modeling/poolers.py assign_boxes_to_levels, float32), spatial scale of level l = scales[l];
//   then torchvision roi_align(aligned=True) (csrc/ops/cuda/roi_align_kernel.cu): offset 0.5, bin = roi / pooled,
//   samples per bin = samplingRatio > 0 ? samplingRatio : ceil(roi / pooled), bilinear_interpolate with its
//   border rules, average = sum / max(gridH * gridW, 1).
// CPU reference: Detserve.Backends.Cpu.RoiAlign.ForwardMultiLevel (and RoiLevels.AssignLevels).

__device__ float bilinear_interpolate(const float* input, int height, int width, float y, float x)
{
    if (y < -1.0f || y > height || x < -1.0f || x > width) return 0.0f;
    if (y <= 0) y = 0;
    if (x <= 0) x = 0;
    int yLow = (int)y, xLow = (int)x, yHigh, xHigh;
    if (yLow >= height - 1) { yHigh = yLow = height - 1; y = (float)yLow; } else { yHigh = yLow + 1; }
    if (xLow >= width - 1) { xHigh = xLow = width - 1; x = (float)xLow; } else { xHigh = xLow + 1; }
    const float ly = y - yLow, lx = x - xLow;
    const float hy = 1.0f - ly, hx = 1.0f - lx;
    const float v1 = input[yLow * width + xLow];
    const float v2 = input[yLow * width + xHigh];
    const float v3 = input[yHigh * width + xLow];
    const float v4 = input[yHigh * width + xHigh];
    const float w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx;
    return w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4;
}

extern "C" __global__ void roi_align_multilevel(
    const float* __restrict__ feat0, const float* __restrict__ feat1, const float* __restrict__ feat2,
    const float* __restrict__ feat3, const float* __restrict__ feat4,
    int h0, int w0, int h1, int w1, int h2, int w2, int h3, int w3, int h4, int w4,
    float scale0, float scale1, float scale2, float scale3, float scale4,
    int numLevels, int minLevel, int canonicalSize, int canonicalLevel,
    const float* __restrict__ rois, int count, int channels, int pooled, int samplingRatio, int aligned,
    float* __restrict__ output)
{
    const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long total = (long long)count * channels * pooled * pooled;
    if (idx >= total) return;
    const int pw = (int)(idx % pooled);
    const int ph = (int)((idx / pooled) % pooled);
    const int c = (int)((idx / ((long long)pooled * pooled)) % channels);
    const long long n = idx / ((long long)pooled * pooled * channels);

    const float* roi = rois + n * 5;
    const int batch = (int)roi[0];
    int level = 0;
    if (numLevels > 1)
    {
        const float area = (roi[3] - roi[1]) * (roi[4] - roi[2]);
        const float boxSize = sqrtf(area);
        float lvl = floorf(canonicalLevel + log2f(boxSize / canonicalSize + 1e-8f));
        lvl = fminf(fmaxf(lvl, (float)minLevel), (float)(minLevel + numLevels - 1));
        level = (int)lvl - minLevel;
    }
    const float* feat; int height, width; float scale;
    switch (level)
    {
        case 0: feat = feat0; height = h0; width = w0; scale = scale0; break;
        case 1: feat = feat1; height = h1; width = w1; scale = scale1; break;
        case 2: feat = feat2; height = h2; width = w2; scale = scale2; break;
        case 3: feat = feat3; height = h3; width = w3; scale = scale3; break;
        default: feat = feat4; height = h4; width = w4; scale = scale4; break;
    }
    const float* input = feat + ((long long)batch * channels + c) * height * width;

    const float offset = aligned ? 0.5f : 0.0f;
    const float roiStartW = roi[1] * scale - offset;
    const float roiStartH = roi[2] * scale - offset;
    const float roiEndW = roi[3] * scale - offset;
    const float roiEndH = roi[4] * scale - offset;
    float roiWidth = roiEndW - roiStartW;
    float roiHeight = roiEndH - roiStartH;
    if (!aligned)
    {
        roiWidth = fmaxf(roiWidth, 1.0f);
        roiHeight = fmaxf(roiHeight, 1.0f);
    }
    const float binH = roiHeight / pooled;
    const float binW = roiWidth / pooled;
    const int gridH = samplingRatio > 0 ? samplingRatio : (int)ceilf(roiHeight / pooled);
    const int gridW = samplingRatio > 0 ? samplingRatio : (int)ceilf(roiWidth / pooled);
    const float countSamples = (float)max(gridH * gridW, 1);

    float sum = 0.0f;
    for (int iy = 0; iy < gridH; iy++)
    {
        const float y = roiStartH + ph * binH + (iy + 0.5f) * binH / gridH;
        for (int ix = 0; ix < gridW; ix++)
        {
            const float x = roiStartW + pw * binW + (ix + 0.5f) * binW / gridW;
            sum += bilinear_interpolate(input, height, width, y, x);
        }
    }
    output[idx] = sum / countSamples;
}

__device__ __forceinline__ float h2f(unsigned short h)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

__device__ __forceinline__ unsigned short f2h(float f)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

// Eight float16 values as one 16-byte word (no toolkit headers: our own aligned type instead of uint4).
struct alignas(16) half8_bits
{
    unsigned int w[4];
};

// V consecutive float16 channels at p (V = 8: one 16-byte load; p is 16-byte aligned when channels % 8 == 0).
template <int V>
__device__ __forceinline__ void load_half(const unsigned short* p, float* out)
{
    if (V == 8)
    {
        const half8_bits raw = *reinterpret_cast<const half8_bits*>(p);
#pragma unroll
        for (int k = 0; k < 4; k++)
        {
            out[2 * k] = h2f((unsigned short)(raw.w[k] & 0xffffu));
            out[2 * k + 1] = h2f((unsigned short)(raw.w[k] >> 16));
        }
    }
    else
    {
#pragma unroll
        for (int k = 0; k < V; k++) out[k] = h2f(p[k]);
    }
}

template <int V>
__device__ __forceinline__ void store_half(unsigned short* p, const float* values)
{
    if (V == 8)
    {
        half8_bits raw;
#pragma unroll
        for (int k = 0; k < 4; k++) raw.w[k] = (unsigned int)f2h(values[2 * k]) | ((unsigned int)f2h(values[2 * k + 1]) << 16);
        *reinterpret_cast<half8_bits*>(p) = raw;
    }
    else
    {
#pragma unroll
        for (int k = 0; k < V; k++) p[k] = f2h(values[k]);
    }
}

// bilinear_interpolate above for V consecutive channels of an NHWC float16 map (same border rules, same operation order per
// channel), accumulated into sum[0..V).
template <int V>
__device__ __forceinline__ void bilinear_accumulate_nhwc_half(const unsigned short* input, int height, int width, int channels, float y, float x,
    float* sum)
{
    if (y < -1.0f || y > height || x < -1.0f || x > width)
    {
#pragma unroll
        for (int k = 0; k < V; k++) sum[k] += 0.0f;
        return;
    }
    if (y <= 0) y = 0;
    if (x <= 0) x = 0;
    int yLow = (int)y, xLow = (int)x, yHigh, xHigh;
    if (yLow >= height - 1) { yHigh = yLow = height - 1; y = (float)yLow; } else { yHigh = yLow + 1; }
    if (xLow >= width - 1) { xHigh = xLow = width - 1; x = (float)xLow; } else { xHigh = xLow + 1; }
    const float ly = y - yLow, lx = x - xLow;
    const float hy = 1.0f - ly, hx = 1.0f - lx;
    float v1[V], v2[V], v3[V], v4[V];
    load_half<V>(input + ((long long)yLow * width + xLow) * channels, v1);
    load_half<V>(input + ((long long)yLow * width + xHigh) * channels, v2);
    load_half<V>(input + ((long long)yHigh * width + xLow) * channels, v3);
    load_half<V>(input + ((long long)yHigh * width + xHigh) * channels, v4);
    const float w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx;
#pragma unroll
    for (int k = 0; k < V; k++) sum[k] += w1 * v1[k] + w2 * v2[k] + w3 * v3[k] + w4 * v4[k];
}

// One thread per V consecutive output channels of one (roi, ph, pw). FloatNchw: the average stored unrounded as float32 into
// [count, channels, pooled, pooled] (heads kept in float32 behind the FP16 network; scattered stores, the loads stay coalesced).
template <int V, bool FloatNchw>
__device__ __forceinline__ void roi_align_nhwc_half(
    const unsigned short* feat0, const unsigned short* feat1, const unsigned short* feat2, const unsigned short* feat3, const unsigned short* feat4,
    int h0, int w0, int h1, int w1, int h2, int w2, int h3, int w3, int h4, int w4,
    float scale0, float scale1, float scale2, float scale3, float scale4,
    int numLevels, int minLevel, int canonicalSize, int canonicalLevel,
    const float* rois, int count, int channels, int pooled, int samplingRatio, int aligned, void* output)
{
    const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const int groups = channels / V;
    const long long total = (long long)count * groups * pooled * pooled;
    if (idx >= total) return;
    const int c = (int)(idx % groups) * V;
    const int pw = (int)((idx / groups) % pooled);
    const int ph = (int)((idx / ((long long)groups * pooled)) % pooled);
    const long long n = idx / ((long long)pooled * pooled * groups);

    const float* roi = rois + n * 5;
    const int batch = (int)roi[0];
    int level = 0;
    if (numLevels > 1)
    {
        const float area = (roi[3] - roi[1]) * (roi[4] - roi[2]);
        const float boxSize = sqrtf(area);
        float lvl = floorf(canonicalLevel + log2f(boxSize / canonicalSize + 1e-8f));
        lvl = fminf(fmaxf(lvl, (float)minLevel), (float)(minLevel + numLevels - 1));
        level = (int)lvl - minLevel;
    }
    const unsigned short* feat; int height, width; float scale;
    switch (level)
    {
        case 0: feat = feat0; height = h0; width = w0; scale = scale0; break;
        case 1: feat = feat1; height = h1; width = w1; scale = scale1; break;
        case 2: feat = feat2; height = h2; width = w2; scale = scale2; break;
        case 3: feat = feat3; height = h3; width = w3; scale = scale3; break;
        default: feat = feat4; height = h4; width = w4; scale = scale4; break;
    }
    const unsigned short* input = feat + (long long)batch * height * width * channels + c;

    const float offset = aligned ? 0.5f : 0.0f;
    const float roiStartW = roi[1] * scale - offset;
    const float roiStartH = roi[2] * scale - offset;
    const float roiEndW = roi[3] * scale - offset;
    const float roiEndH = roi[4] * scale - offset;
    float roiWidth = roiEndW - roiStartW;
    float roiHeight = roiEndH - roiStartH;
    if (!aligned)
    {
        roiWidth = fmaxf(roiWidth, 1.0f);
        roiHeight = fmaxf(roiHeight, 1.0f);
    }
    const float binH = roiHeight / pooled;
    const float binW = roiWidth / pooled;
    const int gridH = samplingRatio > 0 ? samplingRatio : (int)ceilf(roiHeight / pooled);
    const int gridW = samplingRatio > 0 ? samplingRatio : (int)ceilf(roiWidth / pooled);
    const float countSamples = (float)max(gridH * gridW, 1);

    float sum[V];
#pragma unroll
    for (int k = 0; k < V; k++) sum[k] = 0.0f;
    for (int iy = 0; iy < gridH; iy++)
    {
        const float y = roiStartH + ph * binH + (iy + 0.5f) * binH / gridH;
        for (int ix = 0; ix < gridW; ix++)
        {
            const float x = roiStartW + pw * binW + (ix + 0.5f) * binW / gridW;
            bilinear_accumulate_nhwc_half<V>(input, height, width, channels, y, x, sum);
        }
    }
#pragma unroll
    for (int k = 0; k < V; k++) sum[k] = sum[k] / countSamples;
    if (FloatNchw)
    {
        float* out = static_cast<float*>(output);
#pragma unroll
        for (int k = 0; k < V; k++) out[((n * channels + c + k) * pooled + ph) * pooled + pw] = sum[k];
    }
    else
    {
        store_half<V>(static_cast<unsigned short*>(output) + (((n * pooled + ph) * pooled + pw) * channels + c), sum);
    }
}

#define ROI_ALIGN_NHWC_HALF_PARAMS \
    const unsigned short* __restrict__ feat0, const unsigned short* __restrict__ feat1, const unsigned short* __restrict__ feat2, \
    const unsigned short* __restrict__ feat3, const unsigned short* __restrict__ feat4, \
    int h0, int w0, int h1, int w1, int h2, int w2, int h3, int w3, int h4, int w4, \
    float scale0, float scale1, float scale2, float scale3, float scale4, \
    int numLevels, int minLevel, int canonicalSize, int canonicalLevel, \
    const float* __restrict__ rois, int count, int channels, int pooled, int samplingRatio, int aligned, \
    unsigned short* __restrict__ output
#define ROI_ALIGN_NHWC_HALF_PARAMS_F32 \
    const unsigned short* __restrict__ feat0, const unsigned short* __restrict__ feat1, const unsigned short* __restrict__ feat2, \
    const unsigned short* __restrict__ feat3, const unsigned short* __restrict__ feat4, \
    int h0, int w0, int h1, int w1, int h2, int w2, int h3, int w3, int h4, int w4, \
    float scale0, float scale1, float scale2, float scale3, float scale4, \
    int numLevels, int minLevel, int canonicalSize, int canonicalLevel, \
    const float* __restrict__ rois, int count, int channels, int pooled, int samplingRatio, int aligned, \
    float* __restrict__ output
#define ROI_ALIGN_NHWC_HALF_ARGS feat0, feat1, feat2, feat3, feat4, h0, w0, h1, w1, h2, w2, h3, w3, h4, w4, \
    scale0, scale1, scale2, scale3, scale4, numLevels, minLevel, canonicalSize, canonicalLevel, rois, count, channels, pooled, \
    samplingRatio, aligned, output

extern "C" __global__ void roi_align_multilevel_nhwc_half(ROI_ALIGN_NHWC_HALF_PARAMS)
{
    roi_align_nhwc_half<1, false>(ROI_ALIGN_NHWC_HALF_ARGS);
}

// channels % 8 == 0: eight channels per thread, 16-byte loads and stores.
extern "C" __global__ void roi_align_multilevel_nhwc_half8(ROI_ALIGN_NHWC_HALF_PARAMS)
{
    roi_align_nhwc_half<8, false>(ROI_ALIGN_NHWC_HALF_ARGS);
}

// float16 NHWC levels -> float32 NCHW output [count, channels, pooled, pooled]: the input of a head kept in float32.
extern "C" __global__ void roi_align_multilevel_nhwc_half_to_nchw_f32(ROI_ALIGN_NHWC_HALF_PARAMS_F32)
{
    roi_align_nhwc_half<1, true>(ROI_ALIGN_NHWC_HALF_ARGS);
}

extern "C" __global__ void roi_align_multilevel_nhwc_half8_to_nchw_f32(ROI_ALIGN_NHWC_HALF_PARAMS_F32)
{
    roi_align_nhwc_half<8, true>(ROI_ALIGN_NHWC_HALF_ARGS);
}
