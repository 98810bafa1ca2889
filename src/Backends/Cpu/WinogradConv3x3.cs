using System.Runtime.Intrinsics.X86;
using Detserve.Backends.Cpu.Gemm;

namespace Detserve.Backends.Cpu;

/// <summary>
/// A 3x3, stride-1, dilation-1, ungrouped convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
/// "Fast Algorithms for Convolutional Neural Networks", CVPR 2016, arXiv:1509.09308, section 4.1): per 4x4 input tile d
/// (stride 2) and filter g, Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with
/// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Aᵀ = [1 1 1 0; 0 1 −1 −1].
/// The element-wise products summed over input channels become 16 independent GEMMs U[ξ] [Cout, Cin] · V[ξ] [Cin, tiles]
/// (the paper's equation 12). Tiles run in chunks in parallel; the bias, residual and ReLU epilogue is fused into the
/// output transform.
/// </summary>
internal sealed class WinogradConv3x3
{
    private readonly float[] _u; // [16, Cout, Cin]
    private readonly int _cin, _cout, _padH, _padW;
    private readonly bool _avx512Transforms;
    private GemmPackedA[]? _uPacked; // U[ξ] packed for the managed GEMM, made on first use by a context that uses it

    /// <summary>Transforms the weights [Cout, Cin, 3, 3] once: U = G g Gᵀ, stored [16, Cout, Cin].</summary>
    /// <param name="spec">A spec <see cref="Supports"/> accepts.</param>
    /// <param name="weight">[Cout, Cin, 3, 3].</param>
    /// <param name="avx512Transforms">Vectorised tile transforms (<see cref="WinogradTransforms512"/>); needs AVX-512F. Tests turn it off to cover the scalar path.</param>
    internal WinogradConv3x3(Conv2dSpec spec, ReadOnlySpan<float> weight, bool avx512Transforms)
    {
        _avx512Transforms = avx512Transforms && Avx512F.IsSupported;
        _cin = spec.InChannels;
        _cout = spec.OutChannels;
        _padH = spec.PadH;
        _padW = spec.PadW;
        _u = new float[16 * _cout * _cin];
        Span<float> t = stackalloc float[12];
        for (int co = 0; co < _cout; co++)
        {
            for (int ci = 0; ci < _cin; ci++)
            {
                ReadOnlySpan<float> g = weight.Slice(((co * _cin) + ci) * 9, 9);
                // t = G g  (4 x 3)
                for (int j = 0; j < 3; j++)
                {
                    float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    t[j] = g0;
                    t[3 + j] = 0.5f * (g0 + g1 + g2);
                    t[6 + j] = 0.5f * (g0 - g1 + g2);
                    t[9 + j] = g2;
                }
                // U = t Gᵀ  (4 x 4)
                for (int i = 0; i < 4; i++)
                {
                    float a0 = t[i * 3], a1 = t[(i * 3) + 1], a2 = t[(i * 3) + 2];
                    long baseIdx = ((long)co * _cin) + ci;
                    long plane = (long)_cout * _cin;
                    _u[(((i * 4) + 0) * plane) + baseIdx] = a0;
                    _u[(((i * 4) + 1) * plane) + baseIdx] = 0.5f * (a0 + a1 + a2);
                    _u[(((i * 4) + 2) * plane) + baseIdx] = 0.5f * (a0 - a1 + a2);
                    _u[(((i * 4) + 3) * plane) + baseIdx] = a2;
                }
            }
        }
    }

    /// <summary>True when the spec is a 3x3, stride-1, dilation-1, ungrouped convolution.</summary>
    internal static bool Supports(Conv2dSpec s) =>
        s is { KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 1 };

    /// <summary>
    /// output = relu?(conv(input) + bias + residual) for [batch, Cin, height, width] → [batch, Cout, outH, outW].
    /// Lengths are checked by the caller.
    /// </summary>
    internal unsafe void Forward(
        CpuContext ctx, float* input, int batch, int height, int width, float* output, int outH, int outW,
        float* residual, float[] bias, bool relu)
    {
        int tilesH = (outH + 1) / 2, tilesW = (outW + 1) / 2;
        int perImage = tilesH * tilesW;
        int total = batch * perImage;
        // Tiles per chunk: V [16, Cin, n] near 2 MiB, but at least 4 chunks per thread when there are enough tiles.
        int n = Math.Clamp((4 << 20) / (64 * _cin), 32, 512);
        n = Math.Min(n, Math.Max(16, total / (ctx.Threads * 2)));
        n = Math.Min(n, total);
        int chunks = (total + n - 1) / n;
        GemmPackedA[]? packed = ctx.UsesOpenBlas ? null : LazyInitializer.EnsureInitialized(ref _uPacked, PackU);
        var job = new Job(this, ctx, packed, _avx512Transforms, input, height, width, output, outH, outW, residual, bias, relu, tilesW, perImage, total, n);
        ctx.ParallelForChunks(chunks, 1, job.RunChunks);
    }

    private GemmPackedA[] PackU()
    {
        int plane = _cout * _cin;
        var packed = new GemmPackedA[16];
        for (int xi = 0; xi < 16; xi++) packed[xi] = new GemmPackedA(_u.AsSpan(xi * plane, plane), _cout, _cin, _cin, false);
        return packed;
    }

    private sealed unsafe class Job(
        WinogradConv3x3 layer, CpuContext ctx, GemmPackedA[]? packedU, bool vectorTransforms, float* input, int height, int width, float* output, int outH, int outW,
        float* residual, float[] bias, bool relu, int tilesW, int perImage, int total, int chunkTiles)
    {
        // AVX-512 transforms need each V/M row to have room for a full vector past its last tile.
        private readonly int _ldMax = vectorTransforms ? RowStride(chunkTiles, true) : chunkTiles;

        private static int RowStride(int cols, bool vector) => vector ? (cols + 31) / 16 * 16 : cols;

        internal void RunChunks(int start, int end)
        {
            int cin = layer._cin, cout = layer._cout;
            using PooledBuffer<float> vBuf = ctx.RentFloats(16 * cin * _ldMax);
            using PooledBuffer<float> mBuf = ctx.RentFloats(16 * cout * _ldMax);
            using PooledBuffer<int> origin = ctx.RentInts(5 * chunkTiles);
            using PooledBuffer<float> scratch = ctx.RentFloats(vectorTransforms ? WinogradTransforms512.ScratchFloats(chunkTiles) : 0);
            fixed (float* pScratch = scratch.Array)
            {
                for (int c = start; c < end; c++)
                {
                    int t0 = c * chunkTiles;
                    int cols = Math.Min(chunkTiles, total - t0);
                    RunChunk(t0, cols, vBuf.Span, mBuf.Span, origin.Span, pScratch);
                }
            }
        }

        private void RunChunk(int t0, int cols, Span<float> vSpan, Span<float> mSpan, Span<int> originSpan, float* scratch)
        {
            int cin = layer._cin, cout = layer._cout;
            int plane = height * width, outPlane = outH * outW;
            int ld = RowStride(cols, vectorTransforms);
            long vStride = (long)cin * ld, mStride = (long)cout * ld;
            fixed (float* v = vSpan)
            fixed (float* m = mSpan)
            {
                // Tile origins (image, output y, output x), and runs of consecutive tiles in one tile row: [start, count).
                int runs = 0;
                Span<int> runSpan = originSpan.Slice(3 * chunkTiles);
                for (int j = 0; j < cols; j++)
                {
                    int t = t0 + j;
                    int local = t % perImage;
                    originSpan[3 * j] = t / perImage;
                    originSpan[(3 * j) + 1] = (local / tilesW) * 2;
                    originSpan[(3 * j) + 2] = (local % tilesW) * 2;
                    if (j == 0 || local % tilesW == 0)
                    {
                        runSpan[2 * runs] = j;
                        runSpan[(2 * runs) + 1] = 0;
                        runs++;
                    }
                    runSpan[(2 * runs) - 1]++;
                }

                if (vectorTransforms)
                {
                    // Input transform V = Bᵀ d B, sixteen tiles of a run per vector, zero outside the image.
                    for (int ci = 0; ci < cin; ci++)
                    {
                        for (int r = 0; r < runs; r++)
                        {
                            int j = runSpan[2 * r], count = runSpan[(2 * r) + 1];
                            int img = originSpan[3 * j];
                            WinogradTransforms512.InputRun(
                                input + ((((long)img * cin) + ci) * plane), height, width,
                                originSpan[(3 * j) + 1] - layer._padH, originSpan[(3 * j) + 2] - layer._padW, count,
                                v + ((long)ci * ld) + j, vStride, scratch);
                        }
                    }
                    MultiplyPoints(cin, cout, cols, ld, v, vStride, m, mStride);
                    bool hasBiasV = bias.Length != 0;
                    for (int co = 0; co < cout; co++)
                    {
                        float b = hasBiasV ? bias[co] : 0f;
                        for (int r = 0; r < runs; r++)
                        {
                            int j = runSpan[2 * r], count = runSpan[(2 * r) + 1];
                            int img = originSpan[3 * j], oy = originSpan[(3 * j) + 1], ox = originSpan[(3 * j) + 2];
                            long o = ((((long)img * cout) + co) * outPlane) + ((long)oy * outW) + ox;
                            WinogradTransforms512.OutputRun(
                                m + ((long)co * ld) + j, mStride, count, b, output + o, residual == null ? null : residual + o, outW,
                                oy + 1 < outH, Math.Min(2 * count, outW - ox), relu, scratch);
                        }
                    }
                    return;
                }

                // Input transform V = Bᵀ d B per channel and tile, zero outside the image.
                float* d = stackalloc float[16];
                float* w = stackalloc float[16];
                for (int ci = 0; ci < cin; ci++)
                {
                    for (int j = 0; j < cols; j++)
                    {
                        int img = originSpan[3 * j];
                        int y0 = originSpan[(3 * j) + 1] - layer._padH, x0 = originSpan[(3 * j) + 2] - layer._padW;
                        bool inside = y0 >= 0 && x0 >= 0 && y0 + 4 <= height && x0 + 4 <= width;
                        float* p = input + ((((long)img * cin) + ci) * plane);
                        if (inside)
                        {
                            float* q = p + (y0 * width) + x0;
                            for (int r = 0; r < 4; r++, q += width)
                            {
                                d[r * 4] = q[0];
                                d[(r * 4) + 1] = q[1];
                                d[(r * 4) + 2] = q[2];
                                d[(r * 4) + 3] = q[3];
                            }
                        }
                        else
                        {
                            for (int r = 0; r < 4; r++)
                            {
                                int y = y0 + r;
                                for (int s = 0; s < 4; s++)
                                {
                                    int x = x0 + s;
                                    d[(r * 4) + s] = (uint)y < (uint)height && (uint)x < (uint)width ? p[(y * width) + x] : 0f;
                                }
                            }
                        }
                        // w = Bᵀ d (rows), then V = w B (columns).
                        for (int s = 0; s < 4; s++)
                        {
                            float d0 = d[s], d1 = d[4 + s], d2 = d[8 + s], d3 = d[12 + s];
                            w[s] = d0 - d2;
                            w[4 + s] = d1 + d2;
                            w[8 + s] = d2 - d1;
                            w[12 + s] = d1 - d3;
                        }
                        float* dst = v + ((long)ci * cols) + j;
                        for (int r = 0; r < 4; r++)
                        {
                            float w0 = w[r * 4], w1 = w[(r * 4) + 1], w2 = w[(r * 4) + 2], w3 = w[(r * 4) + 3];
                            dst[((r * 4) + 0) * vStride] = w0 - w2;
                            dst[((r * 4) + 1) * vStride] = w1 + w2;
                            dst[((r * 4) + 2) * vStride] = w2 - w1;
                            dst[((r * 4) + 3) * vStride] = w1 - w3;
                        }
                    }
                }

                MultiplyPoints(cin, cout, cols, ld, v, vStride, m, mStride);

                // Output transform Y = Aᵀ M A, cropped at odd sizes, with the fused epilogue.
                bool hasBias = bias.Length != 0;
                for (int co = 0; co < cout; co++)
                {
                    float b = hasBias ? bias[co] : 0f;
                    float* mc = m + ((long)co * cols);
                    for (int j = 0; j < cols; j++)
                    {
                        float* q = mc + j;
                        // z = Aᵀ M (2 x 4)
                        float m0 = q[0], m1 = q[mStride], m2 = q[2 * mStride], m3 = q[3 * mStride];
                        float m4 = q[4 * mStride], m5 = q[5 * mStride], m6 = q[6 * mStride], m7 = q[7 * mStride];
                        float m8 = q[8 * mStride], m9 = q[9 * mStride], m10 = q[10 * mStride], m11 = q[11 * mStride];
                        float m12 = q[12 * mStride], m13 = q[13 * mStride], m14 = q[14 * mStride], m15 = q[15 * mStride];
                        float z00 = m0 + m4 + m8, z01 = m1 + m5 + m9, z02 = m2 + m6 + m10, z03 = m3 + m7 + m11;
                        float z10 = m4 - m8 - m12, z11 = m5 - m9 - m13, z12 = m6 - m10 - m14, z13 = m7 - m11 - m15;
                        // Y = z A (2 x 2)
                        float y00 = z00 + z01 + z02 + b, y01 = z01 - z02 - z03 + b;
                        float y10 = z10 + z11 + z12 + b, y11 = z11 - z12 - z13 + b;

                        int img = originSpan[3 * j], oy = originSpan[(3 * j) + 1], ox = originSpan[(3 * j) + 2];
                        long o = ((((long)img * cout) + co) * outPlane) + ((long)oy * outW) + ox;
                        bool right = ox + 1 < outW, down = oy + 1 < outH;
                        Store(o, y00, relu);
                        if (right) Store(o + 1, y01, relu);
                        if (down)
                        {
                            Store(o + outW, y10, relu);
                            if (right) Store(o + outW + 1, y11, relu);
                        }
                    }
                }
            }
        }

        /// <summary>M[ξ] = U[ξ] · V[ξ] for the 16 tile positions ξ (rows of V and M are <paramref name="ld"/> apart).</summary>
        private void MultiplyPoints(int cin, int cout, int cols, int ld, float* v, long vStride, float* m, long mStride)
        {
            long uPlane = (long)cout * cin;
            int vLength = ((cin - 1) * ld) + cols, mLength = ((cout - 1) * ld) + cols;
            for (int xi = 0; xi < 16; xi++)
            {
                var vx = new ReadOnlySpan<float>(v + (xi * vStride), vLength);
                var mx = new Span<float>(m + (xi * mStride), mLength);
                if (packedU != null) Sgemm.Multiply(ctx, packedU[xi], 0, cout, cols, vx, ld, mx, ld);
                else Sgemm.Multiply(ctx, false, false, cout, cols, cin, new ReadOnlySpan<float>(layer._u, (int)(xi * uPlane), (int)uPlane), cin, vx, ld, mx, ld);
            }
        }

        private void Store(long o, float value, bool relu)
        {
            if (residual != null) value += residual[o];
            output[o] = relu ? MathF.Max(value, 0f) : value;
        }
    }
}
