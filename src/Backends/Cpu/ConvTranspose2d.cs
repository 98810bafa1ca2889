using System.Numerics.Tensors;
using Detserve.Backends.Cpu.Gemm;

namespace Detserve.Backends.Cpu;

/// <summary>
/// torch.nn.functional.conv_transpose2d on NCHW float32 (groups 1, dilation 1, no output padding) with bias and
/// ReLU fused. Per image: columns [Cout·kh·kw, H·W] = Wᵀ · X (W is [Cin, Cout·kh·kw]), then col2im scatters each
/// column entry to output (co, iy·sh − ph + ky, ix·sw − pw + kx), as PyTorch's slow_conv_transpose2d does.
/// Images run in parallel.
/// </summary>
public sealed class ConvTranspose2d
{
    private readonly float[] _weight;
    private readonly float[] _bias;
    private GemmPackedA? _packedWeight; // Wᵀ packed for the managed GEMM, made on first use by a context that uses it
    private float[]? _columnBias;

    /// <summary>Copies the weights [Cin, Cout, kh, kw] (PyTorch's layout) and the bias [Cout] (or empty).</summary>
    public ConvTranspose2d(ConvTranspose2dSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        spec.Validate();
        ShapeException.ThrowIfLengthNot("ConvTranspose2d", nameof(weight), spec.WeightLength, weight.Length);
        if (!bias.IsEmpty) ShapeException.ThrowIfLengthNot("ConvTranspose2d", nameof(bias), spec.OutChannels, bias.Length);
        Spec = spec;
        _weight = weight.ToArray();
        _bias = bias.ToArray();
    }

    /// <summary>The attributes this layer was built with.</summary>
    public ConvTranspose2dSpec Spec { get; }

    /// <summary>
    /// output = relu?(conv_transpose2d(input) + bias). <paramref name="input"/> is [batch, Cin, height, width],
    /// <paramref name="output"/> [batch, Cout, Ho, Wo] (<see cref="ConvTranspose2dSpec.OutputSize"/>).
    /// </summary>
    public void Forward(CpuContext ctx, ReadOnlySpan<float> input, int batch, int height, int width, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        const string op = "ConvTranspose2d";
        ShapeException.ThrowIfNegative(op, nameof(batch), batch);
        (int outH, int outW) = Spec.OutputSize(height, width);
        ShapeException.ThrowIfLengthNot(op, nameof(input), (long)batch * Spec.InChannels * height * width, input.Length);
        ShapeException.ThrowIfLengthNot(op, nameof(output), (long)batch * Spec.OutChannels * outH * outW, output.Length);
        if (batch == 0) return;
        unsafe
        {
            fixed (float* pIn = input)
            fixed (float* pOut = output)
            {
                float* inPtr = pIn, outPtr = pOut;
                ctx.ParallelFor(batch, ctx.TileThreads, n => ForwardImage(ctx, inPtr, outPtr, n, height, width, outH, outW));
            }
        }
    }

    /// <summary>The bias of each row (co, ky, kx) of the column matrix: bias[co], made once.</summary>
    private float[] BiasPerColumnRow() => LazyInitializer.EnsureInitialized(ref _columnBias, () =>
    {
        int taps = Spec.KernelH * Spec.KernelW;
        float[] b = new float[Spec.OutChannels * taps];
        for (int i = 0; i < b.Length; i++) b[i] = _bias[i / taps];
        return b;
    });

    private unsafe void ForwardImage(CpuContext ctx, float* input, float* output, int n, int height, int width, int outH, int outW)
    {
        ConvTranspose2dSpec s = Spec;
        int plane = height * width;
        int rowsCol = s.OutChannels * s.KernelH * s.KernelW;
        using PooledBuffer<float> columns = ctx.RentFloats(rowsCol * plane);
        var x = new ReadOnlySpan<float>(input + ((long)n * s.InChannels * plane), s.InChannels * plane);
        if (ctx.UsesOpenBlas) Sgemm.Multiply(ctx, true, false, rowsCol, plane, s.InChannels, _weight, rowsCol, x, plane, columns.Span, plane);
        // stride == kernel without padding (the mask head's 2x2/2 deconv): every output pixel receives exactly one
        // tap, so col2im is a permutation and needs no zeroing or accumulation.
        bool disjoint = s.StrideH == s.KernelH && s.StrideW == s.KernelW && s.PadH == 0 && s.PadW == 0;
        bool fused = false;
        if (!ctx.UsesOpenBlas)
        {
            // Packing Wᵀ (a strided gather) per image cost as much as a tenth of the mask head's deconv; pack it once.
            GemmPackedA packed = LazyInitializer.EnsureInitialized(ref _packedWeight, () => new GemmPackedA(_weight, rowsCol, s.InChannels, rowsCol, true));
            if (disjoint)
            {
                // Each output value is one column entry, so bias and ReLU can be applied to the columns as the GEMM
                // stores them (the same two operations per value), leaving col2im a pure permutation.
                ReadOnlySpan<float> rowBias = _bias.Length == 0 ? default : BiasPerColumnRow();
                Sgemm.Multiply(ctx, packed, 0, rowsCol, plane, x, plane, columns.Span, plane, rowBias, default, 0, s.Relu);
                fused = true;
            }
            else
            {
                Sgemm.Multiply(ctx, packed, 0, rowsCol, plane, x, plane, columns.Span, plane);
            }
        }

        int outPlane = outH * outW;
        var y = new Span<float>(output + ((long)n * s.OutChannels * outPlane), s.OutChannels * outPlane);
        Span<float> col = columns.Span;
        if (!disjoint) y.Clear();
        for (int co = 0; co < s.OutChannels; co++)
        {
            Span<float> yPlane = y.Slice(co * outPlane, outPlane);
            for (int ky = 0; ky < s.KernelH; ky++)
            {
                for (int kx = 0; kx < s.KernelW; kx++)
                {
                    ReadOnlySpan<float> src = col.Slice((((co * s.KernelH) + ky) * s.KernelW + kx) * plane, plane);
                    for (int iy = 0; iy < height; iy++)
                    {
                        int oy = (iy * s.StrideH) - s.PadH + ky;
                        if ((uint)oy >= (uint)outH) continue;
                        int rowBase = oy * outW;
                        int srcBase = iy * width;
                        if (disjoint)
                        {
                            for (int ix = 0, ox = kx; ix < width; ix++, ox += s.StrideW) yPlane[rowBase + ox] = src[srcBase + ix];
                            continue;
                        }
                        for (int ix = 0; ix < width; ix++)
                        {
                            int ox = (ix * s.StrideW) - s.PadW + kx;
                            if ((uint)ox < (uint)outW) yPlane[rowBase + ox] += src[srcBase + ix];
                        }
                    }
                }
            }
            if (fused) continue;
            if (_bias.Length != 0) TensorPrimitives.Add(yPlane, _bias[co], yPlane);
            if (s.Relu) TensorPrimitives.Max(yPlane, 0f, yPlane);
        }
    }
}
