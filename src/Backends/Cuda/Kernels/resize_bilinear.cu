// resize_bilinear.cu: Pillow 9.4 Image.resize(size, BILINEAR) on uint8 3-channel HWC images, bit for bit.
//
// Layout: images [rows, width, 3] uint8 interleaved (any channel order). Coefficient tables per axis, int32:
//         first[out], count[out], weights[out * kernelSize] in 1 << 22 fixed point, built on the host by
//         Detserve.Vision.PillowResize.BilinearCoefficients (Resample.c precompute_coeffs + normalize_coeffs_8bpc).
//         Horizontal pass: source rows firstRow .. firstRow + rows - 1 -> intermediate [rows, dstWidth, 3] uint8.
//         Vertical pass: intermediate whose row 0 is source row rowOffset -> output [dstHeight, width, 3] uint8.
// Mapping: one thread per output pixel (all 3 channels); grid.x covers rows * width of the pass's output.
// Semantics (must match): libImaging/Resample.c ImagingResampleHorizontal_8bpc / ImagingResampleVertical_8bpc:
//   acc = 1 << (PRECISION_BITS - 1) + sum(pixel * weight) in 32-bit integers, then clip8 (acc >> 22 clamped to
//   0..255); the horizontal pass rounds into the 8-bit intermediate before the vertical pass reads it.
//   Triangle weights are non-negative and sum to about 1 << 22, so acc <= 255 * 2^22 + 2^21 never overflows.
// CPU reference: Detserve.Vision.PillowResize.Bilinear.

#define PRECISION_BITS 22

__device__ __forceinline__ unsigned char clip8(int acc)
{
    const int v = acc >> PRECISION_BITS;
    return (unsigned char)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

extern "C" __global__ void resize_bilinear_horizontal(
    const unsigned char* __restrict__ src, int srcWidth, int firstRow, int rows,
    const int* __restrict__ first, const int* __restrict__ count, const int* __restrict__ weights, int kernelSize,
    unsigned char* __restrict__ dst, int dstWidth)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)rows * dstWidth) return;
    const int y = (int)(i / dstWidth);
    const int xx = (int)(i - (long long)y * dstWidth);
    const unsigned char* taps = src + ((long long)(firstRow + y) * srcWidth + first[xx]) * 3;
    const int* k = weights + (long long)xx * kernelSize;
    const int n = count[xx];
    int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
    for (int x = 0; x < n; x++, taps += 3)
    {
        const int w = k[x];
        s0 += taps[0] * w;
        s1 += taps[1] * w;
        s2 += taps[2] * w;
    }
    unsigned char* o = dst + i * 3;
    o[0] = clip8(s0);
    o[1] = clip8(s1);
    o[2] = clip8(s2);
}

extern "C" __global__ void resize_bilinear_vertical(
    const unsigned char* __restrict__ src, int width, int rowOffset,
    const int* __restrict__ first, const int* __restrict__ count, const int* __restrict__ weights, int kernelSize,
    unsigned char* __restrict__ dst, int dstHeight)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)dstHeight * width) return;
    const int yy = (int)(i / width);
    const int x = (int)(i - (long long)yy * width);
    const long long rowBytes = (long long)width * 3;
    const unsigned char* taps = src + (long long)(first[yy] - rowOffset) * rowBytes + (long long)x * 3;
    const int* k = weights + (long long)yy * kernelSize;
    const int n = count[yy];
    int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
    for (int y = 0; y < n; y++, taps += rowBytes)
    {
        const int w = k[y];
        s0 += taps[0] * w;
        s1 += taps[1] * w;
        s2 += taps[2] * w;
    }
    unsigned char* o = dst + i * 3;
    o[0] = clip8(s0);
    o[1] = clip8(s1);
    o[2] = clip8(s2);
}
