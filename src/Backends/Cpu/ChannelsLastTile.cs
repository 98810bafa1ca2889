using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Detserve.Backends.Cpu;

/// <summary>Transposes a [channels, pixels] float matrix to [pixels, channels] over a pixel range, 8 x 8 at a time.</summary>
internal static class ChannelsLastTile
{
    internal static unsafe void Transpose(float* src, int channels, int pixels, int x0, int x1, float* dst)
    {
        int c = 0;
        if (Avx.IsSupported)
        {
            for (; c <= channels - 8; c += 8)
            {
                int x = x0;
                for (; x <= x1 - 8; x += 8)
                    Transpose8x8(src + ((long)c * pixels) + x, pixels, dst + ((long)x * channels) + c, channels);
                for (; x < x1; x++)
                    for (int i = 0; i < 8; i++) dst[((long)x * channels) + c + i] = src[((long)(c + i) * pixels) + x];
            }
        }
        for (; c < channels; c++)
        {
            float* row = src + ((long)c * pixels);
            for (int x = x0; x < x1; x++) dst[((long)x * channels) + c] = row[x];
        }
    }

    // The classic AVX 8x8 float transpose: unpack pairs, shuffle quads, swap 128-bit halves.
    private static unsafe void Transpose8x8(float* src, int srcStride, float* dst, int dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + (2L * srcStride)), r3 = Avx.LoadVector256(src + (3L * srcStride));
        Vector256<float> r4 = Avx.LoadVector256(src + (4L * srcStride)), r5 = Avx.LoadVector256(src + (5L * srcStride));
        Vector256<float> r6 = Avx.LoadVector256(src + (6L * srcStride)), r7 = Avx.LoadVector256(src + (7L * srcStride));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2L * dstStride), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3L * dstStride), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4L * dstStride), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5L * dstStride), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6L * dstStride), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7L * dstStride), Avx.Permute2x128(u3, u7, 0x31));
    }
}
