using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>The kernels between the FP16 NHWC network and the float32 NCHW stages, and the ROI batch glue, against their definitions.</summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class LayoutKernelTests(GpuFixture gpu)
{
    [Theory]
    [InlineData(1, 3, 5, 7)]
    [InlineData(2, 256, 13, 9)]
    [InlineData(3, 1, 1, 1)]
    [InlineData(0, 4, 2, 2)]
    public void NchwFloat_RoundTripsThroughNhwcHalf(int batch, int channels, int height, int width)
    {
        long plane = (long)height * width, total = batch * channels * plane;
        float[] x = Parity.Random(channels * 31 + height, total, -70000f, 70000f); // beyond half's range too: rounds to +-inf as torch's .half()
        var op = new ConvertLayoutOp(gpu.Kernels);
        using var dx = gpu.Upload<float>(x);
        using var nhwc = gpu.Poisoned(Math.Max(total, 1), 2);
        using var back = gpu.Poisoned(Math.Max(total, 1));
        op.NchwFloatToNhwcHalf(dx, batch, channels, plane, nhwc, gpu.Stream);
        op.NhwcHalfToNchwFloat(nhwc, batch, channels, plane, back, gpu.Stream);
        var half = new Half[total];
        nhwc.Download<Half>(half, gpu.Stream);
        // Definition: nhwc[n, p, c] = (half)x[n, c, p]; back = (float)nhwc transposed again.
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (long p = 0; p < plane; p++)
                {
                    Half expected = (Half)x[(n * channels + c) * plane + p];
                    Half actual = half[(n * plane + p) * channels + c];
                    Assert.True(expected.Equals(actual), $"NchwFloatToNhwcHalf [{batch}, {channels}, {height}, {width}] at n={n} c={c} p={p}: {expected} vs {actual}");
                }
        Parity.AssertClose("NhwcHalfToNchwFloat", $"[{batch}, {channels}, {height}, {width}]", Parity.RoundToHalf(x), gpu.Download(back, total), 0f, 0f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(12544 * 3 + 5)]
    public void FloatHalf_FlatConversions_RoundToNearestEven(int count)
    {
        float[] x = Parity.Random(count, count, -3f, 3f);
        var op = new ConvertLayoutOp(gpu.Kernels);
        using var dx = gpu.Upload<float>(x);
        using var h = gpu.Poisoned(count, 2);
        using var f = gpu.Poisoned(count);
        op.FloatToHalf(dx, count, h, gpu.Stream);
        op.HalfToFloat(h, count, f, gpu.Stream);
        Parity.AssertClose("FloatToHalf+HalfToFloat", $"count {count}", Parity.RoundToHalf(x), gpu.Download(f, count), 0f, 0f);
    }

    [Theory]
    [InlineData(1, 64, 37, 53, 3, 2, 1)]
    [InlineData(2, 256, 11, 7, 1, 2, 0)]
    [InlineData(1, 3, 1, 1, 3, 2, 1)]
    public void MaxPool2dNhwcHalf_MatchesCpuOnTheHalfValues(int batch, int channels, int height, int width, int kernel, int stride, int pad)
    {
        float[] x = Parity.RoundToHalf(Parity.Random(height * 7 + channels, (long)batch * channels * height * width, -4f, 4f));
        x[x.Length / 3] = float.NaN;
        (int oh, int ow) = MaxPool2d.OutputSize(height, width, kernel, stride, pad);
        var expected = new float[batch * channels * oh * ow];
        MaxPool2d.Forward(gpu.Cpu, x, batch, channels, height, width, kernel, stride, pad, expected);
        using var dx = gpu.Upload<Half>(Parity.ToHalf(Nhwc(x, batch, channels, height * width)));
        using var dy = gpu.Poisoned(expected.Length, 2);
        new MaxPool2dNhwcHalfOp(gpu.Kernels).Enqueue(dx, batch, channels, height, width, kernel, stride, pad, dy, gpu.Stream);
        float[] actual = Nchw(DownloadHalf(dy, expected.Length), batch, channels, oh * ow);
        Parity.AssertClose("MaxPool2dNhwcHalf", $"[{batch}, {channels}, {height}, {width}] k{kernel} s{stride} p{pad}", expected, actual, 0f, 0f);
    }

    [Theory]
    [InlineData(1, 256, 21, 34)]
    [InlineData(2, 5, 1, 1)]
    [InlineData(3, 8, 7, 3)]
    public void UpsampleNearestAddNhwcHalf_MatchesCpuRoundedToHalf(int batch, int channels, int h, int w)
    {
        float[] top = Parity.RoundToHalf(Parity.Random(h * 3 + channels, (long)batch * channels * h * w, -8f, 8f));
        float[] lateral = Parity.RoundToHalf(Parity.Random(h * 5 + channels, (long)batch * channels * 4 * h * w, -8f, 8f));
        var expected = new float[lateral.Length];
        UpsampleNearest.Forward2xAdd(gpu.Cpu, top, lateral, batch, channels, h, w, expected);
        expected = Parity.RoundToHalf(expected);
        using var dTop = gpu.Upload<Half>(Parity.ToHalf(Nhwc(top, batch, channels, h * w)));
        using var dLat = gpu.Upload<Half>(Parity.ToHalf(Nhwc(lateral, batch, channels, 4 * h * w)));
        using var dy = gpu.Poisoned(expected.Length, 2);
        new UpsampleNearestAddNhwcHalfOp(gpu.Kernels).Enqueue(dTop, dLat, batch, channels, h, w, dy, gpu.Stream);
        float[] actual = Nchw(DownloadHalf(dy, expected.Length), batch, channels, 4 * h * w);
        Parity.AssertClose("UpsampleNearestAddNhwcHalf", $"top [{batch}, {channels}, {h}, {w}]", expected, actual, 0f, 0f);
    }

    [Theory]
    [InlineData(2, 3, 5, 2, 2, 16)]
    [InlineData(1, 4, 4, 2, 3, 3)]
    [InlineData(3, 14, 14, 2, 2, 256)]
    public void DepthToSpaceNhwcHalf_MovesGemmRowsIntoPlace(int batch, int height, int width, int kh, int kw, int channels)
    {
        long total = (long)batch * height * width * kh * kw * channels;
        float[] x = Parity.RoundToHalf(Parity.Random(channels + kh, total, -2f, 2f));
        using var dx = gpu.Upload<Half>(Parity.ToHalf(x));
        using var dy = gpu.Poisoned(total, 2);
        new ConvertLayoutOp(gpu.Kernels).DepthToSpaceNhwcHalf(dx, batch, height, width, kh, kw, channels, dy, gpu.Stream);
        // Definition: output[n, y * kh + i, x * kw + j, c] = input[((n * H + y) * W + x), ((i * kw + j) * C + c)].
        var expected = new float[total];
        for (int n = 0; n < batch; n++)
            for (int y = 0; y < height; y++)
                for (int xx = 0; xx < width; xx++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                            for (int c = 0; c < channels; c++)
                                expected[(((long)n * height * kh + y * kh + i) * width * kw + xx * kw + j) * channels + c] =
                                    x[((((long)n * height + y) * width + xx) * kh * kw + i * kw + j) * channels + c];
        Parity.AssertClose("DepthToSpaceNhwcHalf", $"[{batch}, {height}, {width}] x {kh}x{kw} x {channels}", expected, DownloadHalf(dy, total), 0f, 0f);
    }

    [Fact]
    public void MakeRois_And_RescaleBoxes_MatchTheirDefinitions()
    {
        const int perImage = 7, rows = 3 * perImage;
        float[] boxes = Parity.Random(5, rows * 4, -20f, 300f);
        var op = new RoiBatchOp(gpu.Kernels);
        using var dBoxes = gpu.Upload<float>(boxes);
        using var rois = gpu.Poisoned(rows * 5);
        op.MakeRois(dBoxes, perImage, rows, rois, gpu.Stream);
        var expectedRois = new float[rows * 5];
        for (int i = 0; i < rows; i++)
        {
            expectedRois[5 * i] = i / perImage;
            boxes.AsSpan(4 * i, 4).CopyTo(expectedRois.AsSpan(5 * i + 1, 4));
        }
        Parity.AssertClose("MakeRois", $"{rows} rows, {perImage} per image", expectedRois, gpu.Download(rois, rows * 5), 0f, 0f);

        // detector_postprocess: float32 scale factors from Python floats, Boxes.scale then Boxes.clip.
        const int outH = 480, outW = 640, inH = 200, inW = 267;
        float sx = (float)((double)outW / inW), sy = (float)((double)outH / inH);
        using var scaled = gpu.Poisoned(rows * 4);
        op.RescaleBoxes(dBoxes, rows, sx, sy, outH, outW, scaled, gpu.Stream);
        var expected = new float[rows * 4];
        for (int i = 0; i < rows; i++)
        {
            expected[4 * i] = Math.Clamp(boxes[4 * i] * sx, 0f, outW);
            expected[4 * i + 1] = Math.Clamp(boxes[4 * i + 1] * sy, 0f, outH);
            expected[4 * i + 2] = Math.Clamp(boxes[4 * i + 2] * sx, 0f, outW);
            expected[4 * i + 3] = Math.Clamp(boxes[4 * i + 3] * sy, 0f, outH);
        }
        Parity.AssertClose("RescaleBoxes", $"{rows} rows to {outH}x{outW}", expected, gpu.Download(scaled, rows * 4), 0f, 0f);
    }

    private float[] DownloadHalf(DeviceBuffer buffer, long count)
    {
        var h = new Half[count];
        buffer.Download<Half>(h, gpu.Stream);
        return Parity.ToFloat(h);
    }

    private static float[] Nhwc(float[] nchw, int batch, int channels, int plane)
    {
        var r = new float[nchw.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++) r[((long)n * plane + p) * channels + c] = nchw[((long)n * channels + c) * plane + p];
        return r;
    }

    private static float[] Nchw(float[] nhwc, int batch, int channels, int plane)
    {
        var r = new float[nhwc.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++) r[((long)n * channels + c) * plane + p] = nhwc[((long)n * plane + p) * channels + c];
        return r;
    }
}
