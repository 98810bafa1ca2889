using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Tests.Gpu;

[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class RoiOpTests(GpuFixture gpu)
{
    /// <summary>Random boxes inside (and a little beyond) an image, with a spread of sizes so every FPN level is used.</summary>
    private static float[] RandomRois(int seed, int count, int batch, float imageHeight, float imageWidth)
    {
        var rng = new Random(seed);
        var rois = new float[count * 5];
        for (int i = 0; i < count; i++)
        {
            float size = (float)Math.Exp(rng.NextDouble() * Math.Log(600));
            float w = size * (0.5f + (float)rng.NextDouble()), h = size * (0.5f + (float)rng.NextDouble());
            float x = (float)rng.NextDouble() * imageWidth - (w / 4), y = (float)rng.NextDouble() * imageHeight - (h / 4);
            rois[i * 5] = rng.Next(batch);
            rois[i * 5 + 1] = x; rois[i * 5 + 2] = y; rois[i * 5 + 3] = x + w; rois[i * 5 + 4] = y + h;
        }
        return rois;
    }

    [Theory]
    [InlineData(0, 7, 0)]
    [InlineData(1, 7, 0)]
    [InlineData(257, 7, 0)]
    [InlineData(100, 14, 0)]
    [InlineData(33, 7, 2)]
    public void RoiAlignMultiLevel_MatchesCpuWithLevelAssignment(int count, int pooled, int samplingRatio)
    {
        const int batch = 2, channels = 5, imageH = 200, imageW = 264;
        int[] strides = [4, 8, 16, 32];
        var cpuLevels = new List<Cpu.FeatureLevel>();
        var gpuLevels = new List<Ops.DeviceFeatureLevel>();
        var owned = new List<DeviceBuffer>();
        try
        {
            for (int l = 0; l < strides.Length; l++)
            {
                int h = imageH / strides[l], w = imageW / strides[l];
                float[] data = Parity.Random(40 + l, (long)batch * channels * h * w);
                cpuLevels.Add(new Cpu.FeatureLevel(data, batch, channels, h, w, 1f / strides[l]));
                var buffer = gpu.Upload<float>(data);
                owned.Add(buffer);
                gpuLevels.Add(new Ops.DeviceFeatureLevel(buffer, h, w, 1f / strides[l]));
            }
            float[] rois = RandomRois(count + pooled, count, batch, imageH, imageW);
            var boxes = new float[count * 4];
            for (int i = 0; i < count; i++) Array.Copy(rois, i * 5 + 1, boxes, i * 4, 4);
            var levelIndex = new int[count];
            RoiLevels.AssignLevels(boxes, count, 2, 5, levelIndex);
            var p = new RoiAlignParams(pooled, samplingRatio, Aligned: true);
            var expected = new float[count * channels * pooled * pooled];
            RoiAlign.ForwardMultiLevel(gpu.Cpu, cpuLevels, p, rois, levelIndex, count, expected);
            using var dRois = gpu.Upload<float>(rois);
            using var dOut = gpu.Poisoned(Math.Max(expected.Length, 1));
            new RoiAlignOp(gpu.Kernels).Enqueue(gpuLevels, batch, channels, 2, dRois, count, pooled, samplingRatio, aligned: true, dOut, gpu.Stream);
            Parity.AssertClose("RoiAlign", $"{count} rois, {pooled}x{pooled}, sampling {samplingRatio}, levels p2-p5", expected,
                gpu.Download(dOut, expected.Length), 1e-5f, 1e-5f);
        }
        finally
        {
            foreach (var b in owned) b.Dispose();
        }
    }

    [Theory]
    [InlineData(1, 7, 0, 256)]
    [InlineData(300, 7, 0, 32)]
    [InlineData(100, 14, 0, 256)]
    [InlineData(33, 7, 2, 3)]
    public void RoiAlignNhwcHalf_EqualsTheFloatKernelOnHalfValues_RoundedOnce(int count, int pooled, int samplingRatio, int channels)
    {
        const int batch = 2, imageH = 200, imageW = 264;
        int[] strides = [4, 8, 16, 32];
        var floatLevels = new List<Ops.DeviceFeatureLevel>();
        var halfLevels = new List<Ops.DeviceFeatureLevel>();
        var owned = new List<DeviceBuffer>();
        try
        {
            for (int l = 0; l < strides.Length; l++)
            {
                int h = imageH / strides[l], w = imageW / strides[l];
                float[] data = Parity.RoundToHalf(Parity.Random(60 + l, (long)batch * channels * h * w, -3f, 3f));
                var nchw = gpu.Upload<float>(data);
                owned.Add(nchw);
                floatLevels.Add(new Ops.DeviceFeatureLevel(nchw, h, w, 1f / strides[l]));
                var nhwc = gpu.Upload<Half>(Parity.ToHalf(ToNhwc(data, batch, channels, h * w)));
                owned.Add(nhwc);
                halfLevels.Add(new Ops.DeviceFeatureLevel(nhwc, h, w, 1f / strides[l]));
            }
            float[] rois = RandomRois(count * 7 + pooled, count, batch, imageH, imageW);
            using var dRois = gpu.Upload<float>(rois);
            long outputs = (long)count * channels * pooled * pooled;
            using var dFloat = gpu.Poisoned(outputs);
            using var dHalf = gpu.Poisoned(outputs, 2);
            var op = new RoiAlignOp(gpu.Kernels);
            op.Enqueue(floatLevels, batch, channels, 2, dRois, count, pooled, samplingRatio, aligned: true, dFloat, gpu.Stream);
            op.EnqueueNhwcHalf(halfLevels, batch, channels, 2, dRois, count, pooled, samplingRatio, aligned: true, dHalf, gpu.Stream);
            float[] expected = Parity.RoundToHalf(ToNhwc(gpu.Download(dFloat, outputs), count, channels, pooled * pooled));
            var half = new Half[outputs];
            dHalf.Download<Half>(half, gpu.Stream);
            Parity.AssertClose("RoiAlignNhwcHalf", $"{count} rois, {channels} channels, {pooled}x{pooled}, sampling {samplingRatio}", expected, Parity.ToFloat(half), 0f, 0f);
        }
        finally
        {
            foreach (var b in owned) b.Dispose();
        }
    }

    private static float[] ToNhwc(float[] nchw, int batch, int channels, int plane)
    {
        var r = new float[nchw.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++) r[((long)n * plane + p) * channels + c] = nchw[((long)n * channels + c) * plane + p];
        return r;
    }

    [Theory]
    [InlineData(0, 28, 64, 48)]
    [InlineData(1, 28, 427, 640)]
    [InlineData(37, 28, 301, 199)]
    [InlineData(5, 14, 33, 17)]
    public void PasteMasks_MatchesCpuPixelForPixel(int count, int maskSize, int imageHeight, int imageWidth)
    {
        var rng = new Random(count * 31 + imageWidth);
        var boxes = new float[count * 4];
        for (int i = 0; i < count; i++)
        {
            float x = (float)rng.NextDouble() * imageWidth * 0.9f - 5, y = (float)rng.NextDouble() * imageHeight * 0.9f - 5;
            boxes[i * 4] = x; boxes[i * 4 + 1] = y;
            boxes[i * 4 + 2] = x + 1 + (float)rng.NextDouble() * imageWidth * 0.6f; boxes[i * 4 + 3] = y + 1 + (float)rng.NextDouble() * imageHeight * 0.6f;
        }
        float[] masks = Parity.Random(count + 3, (long)count * maskSize * maskSize, 0f, 1f);
        long plane = (long)imageHeight * imageWidth;
        var expected = new byte[count * plane];
        for (int i = 0; i < count; i++)
            PasteMasks.PasteMask(masks.AsSpan(i * maskSize * maskSize, maskSize * maskSize), maskSize, boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3],
                imageHeight, imageWidth, 0.5f, expected.AsSpan((int)(i * plane), (int)plane));
        using var dMasks = gpu.Upload<float>(masks);
        using var dBoxes = gpu.Upload<float>(boxes);
        using var dOut = gpu.Device.Allocate(Math.Max(expected.Length, 1));
        var op = new PasteMasksOp(gpu.Kernels);
        foreach (bool regions in new[] { false, true })
        {
            dOut.Fill(0xcd, gpu.Stream);
            if (regions) op.EnqueueRegions(dMasks, count, maskSize, dBoxes, imageHeight, imageWidth, 0.5f, dOut, gpu.Stream);
            else op.Enqueue(dMasks, count, maskSize, dBoxes, imageHeight, imageWidth, 0.5f, dOut, gpu.Stream);
            var actual = new byte[expected.Length];
            dOut.Download<byte>(actual, gpu.Stream);
            Parity.AssertEqual(regions ? "PasteMasks (regions)" : "PasteMasks", $"{count} masks {maskSize}x{maskSize} into {imageHeight}x{imageWidth}",
                expected.AsSpan(), actual.AsSpan());
        }
    }
}
