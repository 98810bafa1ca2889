using Detserve.Backends.Cpu.Reference;
using Detserve.Backends.Cuda.Jpeg;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Tests.Gpu;

[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class MaskAndJpegTests(GpuFixture gpu, ITestOutputHelper output)
{
    [Theory]
    [InlineData(0, 80)]
    [InlineData(1, 80)]
    [InlineData(100, 80)]
    [InlineData(7, 1)]
    public void MaskHeadSelect_GathersThePredictedClassThroughSigmoid(int count, int numClasses)
    {
        const int m = 28;
        float[] logits = Parity.Random(count + numClasses, (long)count * numClasses * m * m, -12f, 12f);
        var rng = new Random(count);
        int[] classes = Enumerable.Range(0, count).Select(i => i == count - 1 && count > 2 ? -1 : rng.Next(numClasses)).ToArray();
        var expected = new float[count * m * m];
        for (int n = 0; n < count; n++)
        {
            int c = numClasses == 1 ? 0 : classes[n];
            for (int p = 0; p < m * m; p++)
                expected[n * m * m + p] = c < 0 ? 0f : ActivationsReference.Sigmoid(logits[((long)n * numClasses + c) * m * m + p]);
        }
        using var dLogits = gpu.Upload<float>(logits);
        using var dClasses = gpu.Upload<int>(classes);
        using var dOut = gpu.Poisoned(Math.Max(expected.Length, 1));
        new MaskHeadSelectOp(gpu.Kernels).Enqueue(dLogits, dClasses, count, numClasses, m, dOut, gpu.Stream);
        Parity.AssertClose("MaskHeadSelect", $"{count} masks of {numClasses} classes", expected, gpu.Download(dOut, expected.Length), 1e-7f, 1e-6f);

        // The FP16 network's NHWC half logits: the same gather and sigmoid of the half values.
        float[] halfLogits = Parity.RoundToHalf(logits);
        var nhwc = new float[halfLogits.Length];
        for (int n = 0; n < count; n++)
            for (int c = 0; c < numClasses; c++)
                for (int p = 0; p < m * m; p++) nhwc[((long)n * m * m + p) * numClasses + c] = halfLogits[((long)n * numClasses + c) * m * m + p];
        for (int n = 0; n < count; n++)
        {
            int c = numClasses == 1 ? 0 : classes[n];
            for (int p = 0; p < m * m; p++)
                expected[n * m * m + p] = c < 0 ? 0f : ActivationsReference.Sigmoid(halfLogits[((long)n * numClasses + c) * m * m + p]);
        }
        using var dHalf = gpu.Upload<Half>(Parity.ToHalf(nhwc));
        using var dOutHalf = gpu.Poisoned(Math.Max(expected.Length, 1));
        new MaskHeadSelectOp(gpu.Kernels).EnqueueNhwcHalf(dHalf, dClasses, count, numClasses, m, dOutHalf, gpu.Stream);
        Parity.AssertClose("MaskHeadSelectNhwcHalf", $"{count} masks of {numClasses} classes", expected, gpu.Download(dOutHalf, expected.Length), 1e-7f, 1e-6f);
    }

    [Theory]
    // 4:4:4 decodes exactly as libjpeg-turbo (the Pillow/CPU path). With chroma subsampling nvJPEG upsamples chroma
    // without libjpeg-turbo's "fancy" triangular filter, so colour edges differ by up to ~85 levels on these 37x29
    // fixtures (H200, nvJPEG 13.0: max 62 / 85 / 79, mean 2.5 / 3.3 / 3.1): fine for throughput, not bit-exact.
    [InlineData("rgb_444", 0, 0.0)]
    [InlineData("rgb_422", 96, 4.0)]
    [InlineData("rgb_420", 96, 4.0)]
    [InlineData("rgb_420_progressive", 96, 4.0)]
    public void NvJpeg_DecodesCloseToLibjpegTurbo(string name, int maxDiff, double maxMeanDiff)
    {
        string dir = Path.Combine(Fixtures.Directory(), "images");
        byte[] jpeg = File.ReadAllBytes(Path.Combine(dir, "jpeg", name + ".jpg"));
        byte[] expected = File.ReadAllBytes(Path.Combine(dir, "expected", "jpeg_" + name + ".rgb"));
        using var decoder = NvJpegDecoder.Create(gpu.Device);
        var (width, height, components) = decoder.GetImageInfo(jpeg, name);
        Assert.Equal((37, 29, 3), (width, height, components));
        using var dOut = gpu.Device.Allocate((long)width * height * 3);
        decoder.DecodeRgb(jpeg, name + ".jpg", dOut, gpu.Stream);
        var actual = new byte[width * height * 3];
        dOut.Download<byte>(actual, gpu.Stream);
        Assert.Equal(expected.Length, actual.Length);
        int worst = 0;
        long sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            int d = Math.Abs(actual[i] - expected[i]);
            worst = Math.Max(worst, d);
            sum += d;
        }
        double mean = (double)sum / actual.Length;
        output.WriteLine($"{name}: max |diff| {worst}, mean |diff| {mean:F3} against the libjpeg-turbo decode");
        Assert.True(worst <= maxDiff && mean <= maxMeanDiff, $"NvJpeg ({name}.jpg {width}x{height}): max |diff| {worst} (limit {maxDiff}), mean {mean:F3} (limit {maxMeanDiff})");
    }

    [Fact]
    public void NvJpeg_Garbage_ThrowsNamingTheSource()
    {
        using var decoder = NvJpegDecoder.Create(gpu.Device);
        var e = Assert.Throws<CudaException>(() => decoder.GetImageInfo([0xff, 0xd8, 0x00, 0x01, 0x02], "upload-17.jpg"));
        Assert.Equal("nvjpegGetImageInfo", e.Api);
        Assert.Contains("upload-17.jpg", e.Message, StringComparison.Ordinal);
    }
}
