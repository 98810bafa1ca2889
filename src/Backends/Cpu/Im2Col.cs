using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Detserve.Backends.Cpu;

/// <summary>
/// Lowers a column range of a convolution to a GEMM operand: row (ky, kx, c) — tap-major, unlike PyTorch's (c, ky, kx)
/// im2col (aten/src/ATen/native/im2col.h), to match <see cref="Conv2d"/>'s packed weights — holds, for each output
/// position in [colStart, colStart + cols), the input value that kernel tap reads (0 in the zero padding).
/// </summary>
internal static class Im2Col
{
    internal static void Tile(
        ReadOnlySpan<float> image /* C x H x W of one group */, int channels, int height, int width,
        in Conv2dSpec spec, int outWidth, int colStart, int cols, Span<float> dst /* (C·kh·kw) x cols */)
    {
        int kh = spec.KernelH, kw = spec.KernelW;
        for (int ky = 0; ky < kh; ky++)
        {
            for (int kx = 0; kx < kw; kx++)
            {
                for (int c = 0; c < channels; c++)
                {
                    ReadOnlySpan<float> plane = image.Slice(c * height * width, height * width);
                    int row = (((ky * kw) + kx) * channels) + c;
                    Span<float> d = dst.Slice(row * cols, cols);
                    int col = colStart;
                    int end = colStart + cols;
                    int oy = col / outWidth;
                    int ox = col - (oy * outWidth);
                    while (col < end)
                    {
                        int run = Math.Min(outWidth - ox, end - col);
                        int iy = (oy * spec.StrideH) - spec.PadH + (ky * spec.DilationH);
                        Span<float> seg = d.Slice(col - colStart, run);
                        if ((uint)iy >= (uint)height)
                        {
                            seg.Clear();
                        }
                        else
                        {
                            ReadOnlySpan<float> src = plane.Slice(iy * width, width);
                            int ix0 = (ox * spec.StrideW) - spec.PadW + (kx * spec.DilationW);
                            FillRow(src, width, ix0, spec.StrideW, seg);
                        }
                        col += run;
                        oy++;
                        ox = 0;
                    }
                }
            }
        }
    }

    /// <summary>seg[j] = src[ix0 + j·stride] where that index is inside [0, width), else 0.</summary>
    private static void FillRow(ReadOnlySpan<float> src, int width, int ix0, int stride, Span<float> seg)
    {
        int n = seg.Length;
        // First j with ix0 + j*stride >= 0, and first j with ix0 + j*stride >= width.
        int jStart = ix0 >= 0 ? 0 : Math.Min(n, (-ix0 + stride - 1) / stride);
        int jEnd = ix0 >= width ? 0 : Math.Min(n, ((width - ix0) + stride - 1) / stride);
        if (jEnd < jStart) jEnd = jStart;
        seg[..jStart].Clear();
        if (stride == 1)
        {
            src.Slice(ix0 + jStart, jEnd - jStart).CopyTo(seg[jStart..jEnd]);
        }
        else
        {
            int ix = ix0 + (jStart * stride);
            int j = jStart;
            if (stride == 2 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            {
                // Stride 2 (the stem and the strided 1x1 convolutions): the even elements of 32 consecutive floats.
                Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                for (; j <= jEnd - 16 && ix + 32 <= src.Length; j += 16, ix += 32)
                {
                    Vector512<float> lo = Vector512.Create(src.Slice(ix, 16)), hi = Vector512.Create(src.Slice(ix + 16, 16));
                    Avx512F.PermuteVar16x32x2(lo, even, hi).CopyTo(seg.Slice(j, 16));
                }
            }
            for (; j < jEnd; j++, ix += stride) seg[j] = src[ix];
        }
        seg[jEnd..].Clear();
    }
}
