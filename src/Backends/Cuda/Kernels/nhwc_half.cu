// nhwc_half.cu: the two non-convolution dense ops of ResNet-FPN on FP16 NHWC feature maps: max_pool2d (the stem's
// 3x3/2 pad 1 and LastLevelMaxPool's 1x1/2) and FPN's top-down lateral + nearest 2x upsample.
//
// Layout: NHWC float16 [n, h, w, c] contiguous, values as 16-bit patterns (unsigned short).
// Mapping: one thread per output element (grid-stride loop); consecutive threads walk channels, so loads coalesce. The
//          "_x8" entry points (channels % 8 == 0) give each thread 8 consecutive channels with 16-byte loads and stores.
// Semantics: max_pool2d_nhwc_f16 as max_pool2d.cu (floor mode, -inf padding, NaN wins: aten MaxPoolKernel);
//            a max of float16 values is exact, so the result equals PyTorch's half max_pool2d bit for bit.
//            upsample_nearest2x_add_nhwc_f16 as upsample_nearest_add.cu: source index floor(dst / 2), the sum computed in
//            float32 and rounded to nearest even (PyTorch's half add on CUDA computes in float and rounds once).
// CPU reference: MaxPool2d.Forward and UpsampleNearest.Forward2xAdd on the float32 values of the half inputs, rounded to half.

__device__ __forceinline__ unsigned short f32_to_f16_bits(float f)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

__device__ __forceinline__ float f16_bits_to_f32(unsigned short h)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

// Eight float16 values as one 16-byte word (no toolkit headers: our own aligned type instead of uint4).
struct alignas(16) half8_bits
{
    unsigned int w[4];
};

template <int V>
__device__ __forceinline__ void load_bits(const unsigned short* p, unsigned short* out)
{
    if (V == 8)
    {
        const half8_bits raw = *reinterpret_cast<const half8_bits*>(p);
#pragma unroll
        for (int k = 0; k < 4; k++)
        {
            out[2 * k] = (unsigned short)(raw.w[k] & 0xffffu);
            out[2 * k + 1] = (unsigned short)(raw.w[k] >> 16);
        }
    }
    else
    {
#pragma unroll
        for (int k = 0; k < V; k++) out[k] = p[k];
    }
}

template <int V>
__device__ __forceinline__ void store_bits(unsigned short* p, const unsigned short* values)
{
    if (V == 8)
    {
        half8_bits raw;
#pragma unroll
        for (int k = 0; k < 4; k++) raw.w[k] = (unsigned int)values[2 * k] | ((unsigned int)values[2 * k + 1] << 16);
        *reinterpret_cast<half8_bits*>(p) = raw;
    }
    else
    {
#pragma unroll
        for (int k = 0; k < V; k++) p[k] = values[k];
    }
}

template <int V>
__device__ __forceinline__ void max_pool2d_nhwc(
    const unsigned short* input, int height, int width, int channels,
    unsigned short* output, int outHeight, int outWidth, int kernel, int stride, int pad, long long total)
{
    const int groups = channels / V;
    const long long work = total / V;
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < work; o += (long long)gridDim.x * blockDim.x)
    {
        const int c = (int)(o % groups) * V;
        long long r = o / groups;
        const int ox = (int)(r % outWidth);
        r /= outWidth;
        const int oy = (int)(r % outHeight);
        const long long n = r / outHeight;
        const int y0 = oy * stride - pad, x0 = ox * stride - pad;
        const int yStart = max(y0, 0), yEnd = min(y0 + kernel, height);
        const int xStart = max(x0, 0), xEnd = min(x0 + kernel, width);
        const unsigned short* in = input + n * height * width * channels + c;
        float best[V];
        unsigned short bestBits[V];
#pragma unroll
        for (int k = 0; k < V; k++) { best[k] = -__int_as_float(0x7f800000); bestBits[k] = 0xfc00; } // -inf
        for (int y = yStart; y < yEnd; y++)
            for (int x = xStart; x < xEnd; x++)
            {
                unsigned short bits[V];
                load_bits<V>(in + ((long long)y * width + x) * channels, bits);
#pragma unroll
                for (int k = 0; k < V; k++)
                {
                    const float v = f16_bits_to_f32(bits[k]);
                    if (v > best[k] || isnan(v)) { best[k] = v; bestBits[k] = bits[k]; }
                }
            }
        store_bits<V>(output + ((n * outHeight + oy) * outWidth + ox) * channels + c, bestBits);
    }
}

template <int V>
__device__ __forceinline__ void upsample_nearest2x_add_nhwc(
    const unsigned short* top, int h, int w, int channels, const unsigned short* lateral, unsigned short* output, long long total)
{
    const int outW = 2 * w, outH = 2 * h;
    const int groups = channels / V;
    const long long work = total / V;
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < work; o += (long long)gridDim.x * blockDim.x)
    {
        const int c = (int)(o % groups) * V;
        long long r = o / groups;
        const int x = (int)(r % outW);
        r /= outW;
        const int y = (int)(r % outH);
        const long long n = r / outH;
        const long long at = ((n * outH + y) * outW + x) * channels + c;
        unsigned short t[V], l[V], sum[V];
        load_bits<V>(top + ((n * h + (y >> 1)) * w + (x >> 1)) * channels + c, t);
        load_bits<V>(lateral + at, l);
#pragma unroll
        for (int k = 0; k < V; k++) sum[k] = f32_to_f16_bits(f16_bits_to_f32(l[k]) + f16_bits_to_f32(t[k]));
        store_bits<V>(output + at, sum);
    }
}

extern "C" __global__ void max_pool2d_nhwc_f16(
    const unsigned short* __restrict__ input, int height, int width, int channels,
    unsigned short* __restrict__ output, int outHeight, int outWidth,
    int kernel, int stride, int pad, long long total)
{
    max_pool2d_nhwc<1>(input, height, width, channels, output, outHeight, outWidth, kernel, stride, pad, total);
}

extern "C" __global__ void max_pool2d_nhwc_f16_x8(
    const unsigned short* __restrict__ input, int height, int width, int channels,
    unsigned short* __restrict__ output, int outHeight, int outWidth,
    int kernel, int stride, int pad, long long total)
{
    max_pool2d_nhwc<8>(input, height, width, channels, output, outHeight, outWidth, kernel, stride, pad, total);
}

extern "C" __global__ void upsample_nearest2x_add_nhwc_f16(
    const unsigned short* __restrict__ top, int h, int w, int channels,
    const unsigned short* lateral, unsigned short* output, long long total)
{
    upsample_nearest2x_add_nhwc<1>(top, h, w, channels, lateral, output, total);
}

extern "C" __global__ void upsample_nearest2x_add_nhwc_f16_x8(
    const unsigned short* __restrict__ top, int h, int w, int channels,
    const unsigned short* lateral, unsigned short* output, long long total)
{
    upsample_nearest2x_add_nhwc<8>(top, h, w, channels, lateral, output, total);
}
