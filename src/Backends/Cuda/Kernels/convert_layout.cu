// convert_layout.cu: float32 <-> float16 conversions, with or without an NCHW <-> NHWC transpose, between the FP16
// NHWC network (cuDNN tensor-core convolutions) and the float32 NCHW kernels around it (RPN proposals, ROIAlign,
// box inference, mask gather).
//
// Layout: NCHW [n, c, plane] and NHWC [n, plane, c] contiguous (plane = H * W); "flat" kernels are elementwise.
//         float16 values travel as their 16-bit patterns (unsigned short), converted with cvt PTX so no toolkit header is needed.
// Mapping: one thread per output element; grid.x covers `total` (grid-stride loop for very large tensors).
// Semantics: float32 -> float16 rounds to nearest even (torch's Tensor.half()); float16 -> float32 is exact.
// depth_to_space_nhwc_half[_x8]: a transposed convolution with kernel == stride and no padding computed as a GEMM gives
//   rows (n, y, x) x columns (i, j, o); this moves them to the NHWC output [n, y * kh + i, x * kw + j, o] (a pure copy;
//   "_x8" moves 8 channels per thread when o % 8 == 0). Mapping: one thread per output element (or 8), grid-stride.
// CPU reference: the formulas, spelled out in Backends.Cuda.Tests LayoutKernelTests (System.Half conversions, index maps).

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

extern "C" __global__ void nchw_f32_to_nhwc_f16(
    const float* __restrict__ input, unsigned short* __restrict__ output, int channels, long long plane, long long total)
{
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x)
    {
        const long long c = o % channels;
        const long long p = o / channels;          // n * plane + pixel
        const long long n = p / plane, pixel = p - n * plane;
        output[o] = f32_to_f16_bits(input[(n * channels + c) * plane + pixel]);
    }
}

extern "C" __global__ void nhwc_f16_to_nchw_f32(
    const unsigned short* __restrict__ input, float* __restrict__ output, int channels, long long plane, long long total)
{
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x)
    {
        const long long pixel = o % plane;
        const long long nc = o / plane;            // n * channels + c
        const long long n = nc / channels, c = nc - n * channels;
        output[o] = f16_bits_to_f32(input[(n * plane + pixel) * channels + c]);
    }
}

extern "C" __global__ void f32_to_f16(const float* __restrict__ input, unsigned short* __restrict__ output, long long total)
{
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x)
        output[o] = f32_to_f16_bits(input[o]);
}

extern "C" __global__ void f16_to_f32(const unsigned short* __restrict__ input, float* __restrict__ output, long long total)
{
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x)
        output[o] = f16_bits_to_f32(input[o]);
}

// Eight float16 values as one 16-byte word (no toolkit headers: our own aligned type instead of uint4).
struct alignas(16) half8_bits
{
    unsigned int w[4];
};

template <int V>
__device__ __forceinline__ void depth_to_space_nhwc(
    const unsigned short* input, unsigned short* output, int height, int width, int kh, int kw, int channels, long long total)
{
    const int groups = channels / V;
    const int outW = width * kw, outH = height * kh;
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total / V; o += (long long)gridDim.x * blockDim.x)
    {
        const int c = (int)(o % groups) * V;
        long long r = o / groups;
        const int ox = (int)(r % outW);
        r /= outW;
        const int oy = (int)(r % outH);
        const long long n = r / outH;
        const int y = oy / kh, i = oy - y * kh, x = ox / kw, j = ox - x * kw;
        const long long src = (((n * height + y) * width + x) * kh * kw + (long long)i * kw + j) * channels + c;
        const long long dst = ((n * outH + oy) * outW + ox) * channels + c;
        if (V == 8) *reinterpret_cast<half8_bits*>(output + dst) = *reinterpret_cast<const half8_bits*>(input + src);
        else output[dst] = input[src];
    }
}

extern "C" __global__ void depth_to_space_nhwc_half(
    const unsigned short* __restrict__ input, unsigned short* __restrict__ output, int height, int width, int kh, int kw, int channels, long long total)
{
    depth_to_space_nhwc<1>(input, output, height, width, kh, kw, channels, total);
}

extern "C" __global__ void depth_to_space_nhwc_half_x8(
    const unsigned short* __restrict__ input, unsigned short* __restrict__ output, int height, int width, int kh, int kw, int channels, long long total)
{
    depth_to_space_nhwc<8>(input, output, height, width, kh, kw, channels, total);
}
