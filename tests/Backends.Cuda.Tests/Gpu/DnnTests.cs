using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Blas;
using Detserve.Backends.Cuda.Dnn;

namespace Detserve.Backends.Cuda.Tests.Gpu;

[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class DnnTests(GpuFixture gpu, ITestOutputHelper output)
{
    public static TheoryData<string, int, int, int, int, int, int, bool, bool, bool> ConvCases() => new()
    {
        // name, Cin, Cout, k, stride, pad, groups, relu, bias, residual
        { "stem 7x7 s2", 3, 16, 7, 2, 3, 1, true, true, false },
        { "3x3 + residual + relu", 16, 16, 3, 1, 1, 1, true, true, true },
        { "1x1 s2 projection", 16, 32, 1, 2, 0, 1, false, true, false },
        { "1x1 no bias + relu", 8, 12, 1, 1, 0, 1, true, false, false },
        { "3x3 s2 odd channels", 5, 7, 3, 2, 1, 1, false, true, false },
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Fp32Nchw_MatchesCpu(string name, int cin, int cout, int k, int stride, int pad, int groups, bool relu, bool bias, bool residual)
        => RunConv(name, cin, cout, k, stride, pad, groups, relu, bias, residual, ConvPrecision.Fp32, TensorLayout.Nchw);

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Fp16Nhwc_MatchesCpuWithinHalfPrecision(string name, int cin, int cout, int k, int stride, int pad, int groups, bool relu, bool bias, bool residual)
        => RunConv(name, cin, cout, k, stride, pad, groups, relu, bias, residual, ConvPrecision.Fp16, TensorLayout.Nhwc);

    private void RunConv(string name, int cin, int cout, int k, int stride, int pad, int groups, bool relu, bool bias, bool residual,
        ConvPrecision precision, TensorLayout layout)
    {
        const int batch = 2, height = 23, width = 31;
        var spec = new Conv2dSpec(cin, cout, k, k, stride, stride, pad, pad, 1, 1, groups, relu);
        var (oh, ow) = spec.OutputSize(height, width);
        bool half = precision == ConvPrecision.Fp16;
        float[] x = Parity.Random(11, (long)batch * cin * height * width);
        float[] w = Parity.Random(12, spec.WeightLength, -0.3f, 0.3f);
        float[] b = bias ? Parity.Random(13, cout) : [];
        float[] r = residual ? Parity.Random(14, (long)batch * cout * oh * ow) : [];
        if (half)
        {
            x = Parity.RoundToHalf(x); w = Parity.RoundToHalf(w); b = Parity.RoundToHalf(b); r = Parity.RoundToHalf(r);
        }
        var expected = new float[batch * cout * oh * ow];
        new Conv2d(spec, w, b).Forward(gpu.Cpu, x, batch, height, width, expected, r);

        using var conv = new CudnnConv2d(gpu.Cudnn, spec, batch, height, width, precision, layout, bias, residual);
        output.WriteLine($"{name} {precision} {layout}: algo {conv.Algorithm}, workspace {conv.WorkspaceBytes} bytes");
        float[] xDev = layout == TensorLayout.Nhwc ? NchwToNhwc(x, batch, cin, height, width) : x;
        float[] wDev = w;
        if (layout == TensorLayout.Nhwc)
        {
            wDev = new float[w.Length];
            CudnnConv2d.KcrsToKrsc(w, cout, cin / groups, k, k, wDev);
        }
        float[] rDev = residual && layout == TensorLayout.Nhwc ? NchwToNhwc(r, batch, cout, oh, ow) : r;
        using var dx = Upload(xDev, half);
        using var dw = Upload(wDev, half);
        using var db = bias ? Upload(b, half) : null;
        using var dr = residual ? Upload(rDev, half) : null;
        using var dy = gpu.Poisoned(expected.Length, half ? 2 : 4);
        using var ws = conv.WorkspaceBytes > 0 ? gpu.Device.Allocate(conv.WorkspaceBytes) : null;
        conv.Enqueue(dx, dw, db, dr, dy, ws, gpu.Stream);
        float[] actual = Download(dy, expected.Length, half);
        if (layout == TensorLayout.Nhwc) actual = NhwcToNchw(actual, batch, cout, oh, ow);
        string p = $"{name}: {spec} on [{batch}, {cin}, {height}, {width}] {precision} {layout}";
        if (half) Parity.AssertClose("Conv2d", p, expected, actual, 1e-2f, 1e-2f);
        else Parity.AssertClose("Conv2d", p, expected, actual, 1e-5f, 1e-4f);
    }

    [Theory]
    [InlineData(1, 8, 4, 7, 7, ConvPrecision.Fp32)]
    [InlineData(3, 16, 3, 14, 14, ConvPrecision.Fp32)]
    [InlineData(2, 16, 8, 14, 14, ConvPrecision.Fp16)]
    [InlineData(3, 16, 8, 14, 14, ConvPrecision.Fp16, true)]
    [InlineData(2, 256, 256, 14, 14, ConvPrecision.Fp16, true)]
    public void ConvTranspose2d_2x2Stride2_MatchesCpu(int batch, int cin, int cout, int height, int width, ConvPrecision precision, bool nhwc = false)
    {
        var layout = nhwc ? TensorLayout.Nhwc : TensorLayout.Nchw;
        var spec = new ConvTranspose2dSpec(cin, cout, 2, 2, 2, 2, 0, 0, Relu: true);
        var (oh, ow) = spec.OutputSize(height, width);
        bool half = precision == ConvPrecision.Fp16;
        float[] x = Parity.Random(21, (long)batch * cin * height * width);
        float[] w = Parity.Random(22, spec.WeightLength, -0.5f, 0.5f);
        float[] b = Parity.Random(23, cout);
        if (half) { x = Parity.RoundToHalf(x); w = Parity.RoundToHalf(w); b = Parity.RoundToHalf(b); }
        var expected = new float[batch * cout * oh * ow];
        new ConvTranspose2d(spec, w, b).Forward(gpu.Cpu, x, batch, height, width, expected);
        using var deconv = new CudnnConvTranspose2d(gpu.Cudnn, spec, batch, height, width, precision, layout, hasBias: true);
        float[] wDev = w;
        if (nhwc)
        {
            // cuDNN's NHWC filter for backward data: dims (k = in, c = out, r, s) stored k, r, s, c.
            wDev = new float[w.Length];
            CudnnConv2d.KcrsToKrsc(w, cin, cout, 2, 2, wDev);
        }
        using var dx = Upload(nhwc ? NchwToNhwc(x, batch, cin, height, width) : x, half);
        using var dw = Upload(wDev, half);
        using var db = Upload(b, half);
        using var dy = gpu.Poisoned(expected.Length, half ? 2 : 4);
        using var ws = deconv.WorkspaceBytes > 0 ? gpu.Device.Allocate(deconv.WorkspaceBytes) : null;
        deconv.Enqueue(dx, dw, db, dy, ws, gpu.Stream);
        float[] actual = Download(dy, expected.Length, half);
        if (nhwc) actual = NhwcToNchw(actual, batch, cout, oh, ow);
        string p = $"{spec} on [{batch}, {cin}, {height}, {width}] {precision} {layout}";
        if (half) Parity.AssertClose("ConvTranspose2d", p, expected, actual, 1e-2f, 1e-2f);
        else Parity.AssertClose("ConvTranspose2d", p, expected, actual, 1e-5f, 1e-4f);
    }

    [Theory]
    [InlineData(1, 12544, 1024, true, true, GemmPrecision.Fp32)]
    [InlineData(7, 33, 5, true, false, GemmPrecision.Fp32)]
    [InlineData(1000, 1024, 81, true, false, GemmPrecision.Fp32)]
    [InlineData(13, 64, 17, false, true, GemmPrecision.Fp32)]
    [InlineData(100, 1024, 1024, true, true, GemmPrecision.Fp16)]
    [InlineData(9, 40, 24, true, false, GemmPrecision.Tf32)]
    public void Linear_MatchesCpu(int rows, int inFeatures, int outFeatures, bool bias, bool relu, GemmPrecision precision)
    {
        bool half = precision == GemmPrecision.Fp16;
        float[] x = Parity.Random(31, (long)rows * inFeatures);
        float[] w = Parity.Random(32, (long)inFeatures * outFeatures, -0.05f, 0.05f);
        float[] b = bias ? Parity.Random(33, outFeatures) : [];
        if (half) { x = Parity.RoundToHalf(x); w = Parity.RoundToHalf(w); b = Parity.RoundToHalf(b); }
        var expected = new float[rows * outFeatures];
        new Linear(inFeatures, outFeatures, w, b, relu).Forward(gpu.Cpu, x, rows, expected);
        using var linear = new CublasLtLinear(gpu.CublasLt, rows, inFeatures, outFeatures, precision, bias, relu);
        using var dx = Upload(x, half);
        using var dw = Upload(w, half);
        using var db = bias ? Upload(b, half) : null;
        using var dy = gpu.Poisoned(expected.Length, half ? 2 : 4);
        using var ws = linear.WorkspaceBytes > 0 ? gpu.Device.Allocate(linear.WorkspaceBytes) : null;
        linear.Enqueue(dx, dw, db, dy, ws, gpu.Stream);
        float[] actual = Download(dy, expected.Length, half);
        string p = $"[{rows}, {inFeatures}] x [{outFeatures}, {inFeatures}]ᵀ bias={bias} relu={relu} {precision}";
        float tol = precision switch { GemmPrecision.Fp32 => 1e-4f, GemmPrecision.Tf32 => 5e-3f, _ => 2e-2f };
        Parity.AssertClose("Linear", p, expected, actual, tol, tol);
    }

    private DeviceBuffer Upload(float[] values, bool half) => half ? gpu.Upload<Half>(Parity.ToHalf(values)) : gpu.Upload<float>(values);

    private float[] Download(DeviceBuffer buffer, long count, bool half)
    {
        if (!half) return gpu.Download(buffer, count);
        var h = new Half[count];
        buffer.Download<Half>(h, gpu.Stream);
        return Parity.ToFloat(h);
    }

    private static float[] NchwToNhwc(float[] src, int n, int c, int h, int w)
    {
        var dst = new float[src.Length];
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        dst[((ni * h + y) * w + x) * c + ci] = src[((ni * c + ci) * h + y) * w + x];
        return dst;
    }

    private static float[] NhwcToNchw(float[] src, int n, int c, int h, int w)
    {
        var dst = new float[src.Length];
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        dst[((ni * c + ci) * h + y) * w + x] = src[((ni * h + y) * w + x) * c + ci];
        return dst;
    }
}
