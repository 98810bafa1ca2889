using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Tests.Gpu;

[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class ElementwiseOpTests(GpuFixture gpu)
{
    [Theory]
    [InlineData(1, 1, 32, 32, false)]
    [InlineData(37, 53, 64, 64, false)]
    [InlineData(120, 120, 128, 128, false)]
    [InlineData(37, 53, 64, 96, true)]
    [InlineData(0, 0, 32, 32, false)]
    public void Preprocess_MatchesNormalizeAndPad(int height, int width, int paddedHeight, int paddedWidth, bool half)
    {
        var rng = new Random(height * 1000 + width);
        var image = new byte[height * width * 3];
        rng.NextBytes(image);
        var normalize = new NormalizeParams([2, 1, 0], [103.53f, 116.28f, 123.675f], [57.375f, 57.12f, 58.395f]);
        // Definition: network channel c = (image[..., src[c]] − mean[c]) / std[c], zero padding after normalising.
        var expected = new float[3 * paddedHeight * paddedWidth];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    expected[(c * paddedHeight + y) * paddedWidth + x] = (image[(y * width + x) * 3 + normalize.SourceChannel[c]] - normalize.Mean[c]) / normalize.Std[c];
        var op = new PreprocessOp(gpu.Kernels, half);
        using var dImage = gpu.Upload<byte>(image);
        long outBytes = 3L * paddedHeight * paddedWidth * (half ? 2 : 4);
        using var dOut = gpu.Device.Allocate(outBytes + 64);
        dOut.Fill(0xff, gpu.Stream);
        op.Enqueue(dImage, height, width, dOut, 64, paddedHeight, paddedWidth, normalize, gpu.Stream);
        var all = new byte[outBytes + 64];
        dOut.Download<byte>(all, gpu.Stream);
        Assert.All(all[..64], b => Assert.Equal(0xff, b));
        float[] actual = half
            ? Parity.ToFloat(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(all.AsSpan(64)))
            : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(all.AsSpan(64)).ToArray();
        string p = $"image {height}x{width} padded {paddedHeight}x{paddedWidth} half={half}";
        if (half) Parity.AssertClose("Preprocess", p, Parity.RoundToHalf(expected), actual, 0f, 0f);
        else Parity.AssertEqual("Preprocess", p, expected.AsSpan(), actual.AsSpan());
    }

    [Theory]
    [InlineData(1, 3, 37, 53, 3, 2, 1)]
    [InlineData(2, 5, 1, 1, 3, 2, 1)]
    [InlineData(1, 4, 25, 19, 1, 2, 0)]
    [InlineData(3, 2, 64, 64, 2, 2, 0)]
    public void MaxPool2d_MatchesCpu(int batch, int channels, int height, int width, int kernel, int stride, int pad)
    {
        float[] input = Parity.Random(kernel * 100 + height, (long)batch * channels * height * width);
        input[input.Length / 2] = float.NaN;
        var (oh, ow) = MaxPool2d.OutputSize(height, width, kernel, stride, pad);
        var expected = new float[batch * channels * oh * ow];
        MaxPool2d.Forward(gpu.Cpu, input, batch, channels, height, width, kernel, stride, pad, expected);
        using var x = gpu.Upload<float>(input);
        using var y = gpu.Poisoned(expected.Length);
        new MaxPool2dOp(gpu.Kernels).Enqueue(x, batch, channels, height, width, kernel, stride, pad, y, gpu.Stream);
        Parity.AssertClose("MaxPool2d", $"[{batch}, {channels}, {height}, {width}] k{kernel} s{stride} p{pad}", expected, gpu.Download(y, expected.Length), 0f, 0f);
    }

    [Theory]
    [InlineData(1, 3, 1, 1)]
    [InlineData(2, 7, 13, 17)]
    [InlineData(1, 64, 25, 42)]
    public void UpsampleNearestAdd_MatchesCpu(int batch, int channels, int h, int w)
    {
        float[] top = Parity.Random(h, (long)batch * channels * h * w);
        float[] lateral = Parity.Random(w, (long)batch * channels * 4 * h * w);
        var expected = new float[lateral.Length];
        UpsampleNearest.Forward2xAdd(gpu.Cpu, top, lateral, batch, channels, h, w, expected);
        using var dTop = gpu.Upload<float>(top);
        using var dLateral = gpu.Upload<float>(lateral);
        using var dOut = gpu.Poisoned(lateral.Length);
        var op = new UpsampleNearestAddOp(gpu.Kernels);
        op.Enqueue(dTop, dLateral, batch, channels, h, w, dOut, gpu.Stream);
        string p = $"top [{batch}, {channels}, {h}, {w}]";
        Parity.AssertClose("UpsampleNearest", p, expected, gpu.Download(dOut, expected.Length), 0f, 0f);
        op.Enqueue(dTop, dLateral, batch, channels, h, w, dLateral, gpu.Stream);
        Parity.AssertClose("UpsampleNearest in place", p, expected, gpu.Download(dLateral, expected.Length), 0f, 0f);
    }

    [Theory]
    [InlineData(4, 1, 1, 0.0)]
    [InlineData(4, 200, 334, 0.0)]
    [InlineData(64, 13, 21, 0.5)]
    [InlineData(128, 0, 5, 0.0)]
    public void GridAnchors_MatchesCpu(int stride, int featureHeight, int featureWidth, double offset)
    {
        float[] cell = AnchorGenerator.CellAnchors([stride * 8.0, stride * 8.0 * Math.Pow(2, 1.0 / 3)], [0.5, 1.0, 2.0]);
        int a = cell.Length / 4;
        var expected = new float[featureHeight * featureWidth * a * 4];
        AnchorGenerator.GridAnchors(cell, a, featureHeight, featureWidth, stride, offset, expected);
        using var dCell = gpu.Upload<float>(cell);
        using var dOut = gpu.Poisoned(Math.Max(expected.Length, 1));
        new GridAnchorsOp(gpu.Kernels).Enqueue(dCell, a, featureHeight, featureWidth, stride, offset, dOut, gpu.Stream);
        Parity.AssertClose("AnchorGenerator", $"stride {stride} grid {featureHeight}x{featureWidth} offset {offset}", expected, gpu.Download(dOut, expected.Length), 0f, 0f);
    }

    [Theory]
    [InlineData(0, 1, false)]
    [InlineData(1, 1, true)]
    [InlineData(1000, 1, true)]
    [InlineData(333, 80, true)]
    [InlineData(257, 3, false)]
    public void BoxDecode_MatchesApplyDeltasThenClip(int count, int boxesPerRow, bool clip)
    {
        var rng = new Random(count * 7 + boxesPerRow);
        var boxes = new float[count * 4];
        for (int i = 0; i < count; i++)
        {
            float x = (float)rng.NextDouble() * 800, y = (float)rng.NextDouble() * 600;
            boxes[i * 4] = x; boxes[i * 4 + 1] = y;
            boxes[i * 4 + 2] = x + (float)rng.NextDouble() * 300; boxes[i * 4 + 3] = y + (float)rng.NextDouble() * 300;
        }
        float[] deltas = Parity.Random(count + 1, (long)count * boxesPerRow * 4, -6f, 6f);
        float[] weights = [10f, 10f, 5f, 5f];
        var expected = new float[deltas.Length];
        Box2BoxTransform.ApplyDeltas(boxes, deltas, count, boxesPerRow, weights, Box2BoxTransform.DefaultScaleClamp, expected);
        if (clip) Boxes.Clip(expected, count * boxesPerRow, 600f, 800f);
        using var dBoxes = gpu.Upload<float>(boxes);
        using var dDeltas = gpu.Upload<float>(deltas);
        using var dOut = gpu.Poisoned(Math.Max(deltas.Length, 1));
        new BoxDecodeOp(gpu.Kernels).Enqueue(dBoxes, dDeltas, count, boxesPerRow, weights, Box2BoxTransform.DefaultScaleClamp,
            clip ? (600f, 800f) : null, dOut, gpu.Stream);
        // exp differs by at most an ulp or two between .NET and CUDA's expf; positions scale it by the box size.
        Parity.AssertClose("Box2BoxTransform", $"count {count} k {boxesPerRow} clip {clip}", expected, gpu.Download(dOut, expected.Length), 1e-3f, 1e-6f);
    }
}
