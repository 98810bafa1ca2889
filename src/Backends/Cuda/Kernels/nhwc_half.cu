// nhwc_half.cu: the two non-convolution dense ops of ResNet-FPN on FP16 NHWC feature maps: max_pool2d (the stem's
// 3x3/2 pad 1 and LastLevelMaxPool's 1x1/2) and FPN's top-down lateral + nearest 2x upsample.
//
// Layout: NHWC float16 [n, h, w, c] contiguous, values as 16-bit patterns (unsigned short).
// Mapping: one thread per output element (grid-stride loop); consecutive threads walk channels, so loads coalesce.
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

extern "C" __global__ void max_pool2d_nhwc_f16(
    const unsigned short* __restrict__ input, int height, int width, int channels,
    unsigned short* __restrict__ output, int outHeight, int outWidth,
    int kernel, int stride, int pad, long long total)
{
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x)
    {
        const int c = (int)(o % channels);
        long long r = o / channels;
        const int ox = (int)(r % outWidth);
        r /= outWidth;
        const int oy = (int)(r % outHeight);
        const long long n = r / outHeight;
        const int y0 = oy * stride - pad, x0 = ox * stride - pad;
        const int yStart = max(y0, 0), yEnd = min(y0 + kernel, height);
        const int xStart = max(x0, 0), xEnd = min(x0 + kernel, width);
        const unsigned short* in = input + n * height * width * channels + c;
        float best = -__int_as_float(0x7f800000);
        unsigned short bestBits = 0xfc00; // -inf
        for (int y = yStart; y < yEnd; y++)
            for (int x = xStart; x < xEnd; x++)
            {
                const unsigned short bits = in[((long long)y * width + x) * channels];
                const float v = f16_bits_to_f32(bits);
                if (v > best || isnan(v)) { best = v; bestBits = bits; }
            }
        output[o] = bestBits;
    }
}

extern "C" __global__ void upsample_nearest2x_add_nhwc_f16(
    const unsigned short* __restrict__ top, int h, int w, int channels,
    const unsigned short* lateral, unsigned short* output, long long total)
{
    const int outW = 2 * w, outH = 2 * h;
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x)
    {
        const int c = (int)(o % channels);
        long long r = o / channels;
        const int x = (int)(r % outW);
        r /= outW;
        const int y = (int)(r % outH);
        const long long n = r / outH;
        const float t = f16_bits_to_f32(top[((n * h + (y >> 1)) * w + (x >> 1)) * channels + c]);
        output[o] = f32_to_f16_bits(f16_bits_to_f32(lateral[o]) + t);
    }
}
