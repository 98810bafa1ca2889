using System.Diagnostics;
using System.Globalization;
using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// Host latency of decode + run per image with JPEG decoding on the host (libjpeg-turbo) and on the GPU (nvJPEG), on the golden
/// shapes_test images as 4:2:0 JPEGs and on one 4032x3024 photo-sized JPEG made from t11 (a phone camera's 12 MP), with the golden
/// Mask R-CNN in FP16 on cuda:0. Prints a table for the device log; asserts that every image ran with the host decoder's geometry.
/// </summary>
[Trait("gpu", "true")]
public sealed class GpuJpegLatencyTests(GpuJpegFixture gpu) : IClassFixture<GpuJpegFixture>
{
    private const int Repeats = 5;

    [Fact]
    public void DecodeAndRun_HostLatencyPerImage_HostVersusGpuDecoding()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var jpegs = gpu.Jpegs(90, TurboJpegEncoder.Subsampling420).Select(p => p.Jpeg).ToList();
        RgbImage t11 = gpu.Images.Single(p => p.Info.FileName == "t11_800x600.png").Image;
        jpegs.Add(new EncodedImage("t11_4032x3024.jpg", TurboJpegEncoder.Encode(PillowResize.Bilinear(t11, 4032, 3024), 90, TurboJpegEncoder.Subsampling420)));

        using Predictor predictor = Predictor.Create(ModelLoader.Load(Golden.ConfigOf(Golden.MaskRcnn), Golden.WeightsOf(Golden.MaskRcnn), []),
            new PredictorOptions("cuda", 0, "fp16"));
        GoldenApRun.Log($"decode + run latency, {predictor.BackendDescription}, median of {Repeats} after a warm-up, one image per call");
        GoldenApRun.Log("image                 size        host-decode ms   gpu-decode ms   decode only: libjpeg-turbo ms   nvJPEG (to host) ms");
        double totalHost = 0, totalGpu = 0;
        foreach (EncodedImage jpeg in jpegs)
        {
            RgbImage decoded = ImageDecoder.Decode(jpeg.Bytes.Span, jpeg.Name);
            double host = Median(() => Run(predictor, jpeg, JpegDecoding.Cpu, decoded, ct));
            double device = Median(() => Run(predictor, jpeg, JpegDecoding.Gpu, decoded, ct));
            double decodeHost = Median(() => ImageDecoder.Decode(jpeg.Bytes.Span, jpeg.Name).Width);
            double decodeDevice = Median(() => gpu.Decoder.Decode(jpeg).Width);
            if (jpeg.Name != "t11_4032x3024.jpg")
            {
                totalHost += host;
                totalGpu += device;
            }
            GoldenApRun.Log(string.Create(CultureInfo.InvariantCulture,
                $"{jpeg.Name,-21} {decoded.Width,4}x{decoded.Height,-6} {host,14:F2} {device,15:F2} {decodeHost,31:F2} {decodeDevice,21:F2}"));
        }
        GoldenApRun.Log(string.Create(CultureInfo.InvariantCulture,
            $"shapes_test mean per image: host-decode {totalHost / (jpegs.Count - 1):F2} ms, gpu-decode {totalGpu / (jpegs.Count - 1):F2} ms"));
    }

    /// <summary>One decode + run; checks the result's geometry against the host decode and returns its detection count.</summary>
    private static int Run(Predictor predictor, EncodedImage jpeg, JpegDecoding decoding, RgbImage hostDecoded, CancellationToken ct)
    {
        EncodedImageResult r = Assert.Single(predictor.RunEncoded([jpeg], decoding, ct));
        Assert.True(r.Succeeded, r.Error?.Message);
        Assert.Equal((hostDecoded.Height, hostDecoded.Width), (r.Instances!.ImageHeight, r.Instances.ImageWidth));
        return r.Instances.Count;
    }

    private static double Median(Func<int> work)
    {
        Assert.True(work() >= 0);
        var times = new double[Repeats];
        for (int i = 0; i < Repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Assert.True(work() >= 0);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[Repeats / 2];
    }
}
