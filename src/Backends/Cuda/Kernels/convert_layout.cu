// convert_layout.cu: float32 <-> float16 conversions, with or without an NCHW <-> NHWC transpose, between the FP16
// NHWC network (cuDNN tensor-core convolutions) and the float32 NCHW kernels around it (RPN proposals, ROIAlign,
// box inference, mask gather).
//
// Layout: NCHW [n, c, plane] and NHWC [n, plane, c] contiguous (plane = H * W); "flat" kernels are elementwise.
//         float16 values travel as their 16-bit patterns (unsigned short), converted with cvt PTX so no toolkit header is needed.
// Mapping: one thread per output element; grid.x covers `total` (grid-stride loop for very large tensors).
// Semantics: float32 -> float16 rounds to nearest even (torch's Tensor.half()); float16 -> float32 is exact.
// CPU reference: the formulas, spelled out in Backends.Cuda.Tests ConvertLayoutTests (System.Half conversions).

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
