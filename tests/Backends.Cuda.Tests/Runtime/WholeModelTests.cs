using System.Globalization;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>
/// The whole Mask R-CNN on the GPU against the CPU Predictor on the golden model and shapes_test images: strict FP32 detection for
/// detection, TF32 ("fp32") and FP16 by matching, CUDA graph replay bit-equal to the op-by-op run, and batches of mixed sizes.
/// </summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class WholeModelTests(ITestOutputHelper output)
{
    private static readonly string[] Images = ["t10_256x256", "t04_96x64", "t01_640x480", "t05_1024x768", "t07_427x640"];

    private static (ModelSpec Spec, ModelGraph Model) Load() => GoldenModel.LoadGraph(GoldenModel.MaskRcnn);

    private static Instances[] RunGpu(IGpuDetector gpu, ModelSpec spec, IReadOnlyList<RgbImage> images) => GoldenModel.RunGpu(gpu, spec, images);

    [Fact]
    public void Fp32Strict_EachImage_MatchesTheCpuPredictor_DetectionForDetection()
    {
        (ModelSpec spec, ModelGraph model) = Load();
        using Predictor cpu = Predictor.Create(spec, new PredictorOptions(Threads: 0));
        using CudaDetector gpu = CudaDetector.Create(model, 0, GpuPrecision.Fp32Strict);
        int total = 0;
        foreach (string name in Images)
        {
            RgbImage image = GoldenModel.Image(name);
            Instances expected = cpu.Run([image], TestContext.Current.CancellationToken)[0];
            Instances actual = RunGpu(gpu, spec, [image])[0];
            total += expected.Count;
            output.WriteLine(CompareOneToOne(name, expected, actual, 0.01, 1e-4, 0.99));
        }
        Assert.True(total > 0, "the golden images gave no detections at all");
    }

    [Fact]
    public void Fp32Strict_MixedSizeBatch_MatchesTheCpuPredictorsBatch()
    {
        (ModelSpec spec, ModelGraph model) = Load();
        using Predictor cpu = Predictor.Create(spec, new PredictorOptions(Threads: 0));
        using CudaDetector gpu = CudaDetector.Create(model, 0, GpuPrecision.Fp32Strict);
        RgbImage[] batch = new[] { "t01_640x480", "t04_96x64", "t07_427x640" }.Select(GoldenModel.Image).ToArray();
        IReadOnlyList<Instances> expected = cpu.Run(batch, TestContext.Current.CancellationToken);
        Instances[] actual = RunGpu(gpu, spec, batch);
        for (int n = 0; n < batch.Length; n++) output.WriteLine(CompareOneToOne($"batch[{n}]", expected[n], actual[n], 0.01, 1e-4, 0.99));
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("fp16")]
    public void GraphReplay_EqualsTheOpByOpRun_BitForBit(string precision)
    {
        (ModelSpec spec, ModelGraph model) = Load();
        using CudaDetector gpu = CudaDetector.Create(model, 0, GpuPrecisionName.Parse(precision));
        RgbImage[] batch = new[] { "t01_640x480", "t07_427x640" }.Select(GoldenModel.Image).ToArray();
        gpu.UseGraphs = false;
        Instances[] eager = RunGpu(gpu, spec, batch);
        gpu.UseGraphs = true;
        Instances[] replay1 = RunGpu(gpu, spec, batch);
        Instances[] replay2 = RunGpu(gpu, spec, batch);
        for (int n = 0; n < batch.Length; n++)
        {
            foreach (Instances r in new[] { replay1[n], replay2[n] })
            {
                Assert.Equal(eager[n].Classes, r.Classes);
                Assert.Equal(eager[n].Boxes, r.Boxes);
                Assert.Equal(eager[n].Scores, r.Scores);
                Assert.Equal(eager[n].MaskProbabilities, r.MaskProbabilities);
            }
        }
        output.WriteLine($"{precision}: {eager.Sum(e => e.Count)} detections equal bit for bit in 2 graph replays");
    }

    [Theory]
    [InlineData("fp32", 0.98)]
    [InlineData("fp16", 0.9)]
    public void PredictorOnCuda_FindsTheCpuDetections(string precision, double minMatched)
    {
        (ModelSpec spec, _) = Load();
        using Predictor cpu = Predictor.Create(spec, new PredictorOptions(Threads: 0));
        using Predictor gpu = Predictor.Create(spec, new PredictorOptions("cuda", 0, precision));
        int considered = 0, matched = 0;
        double maxBox = 0, maxScore = 0, minIou = 1;
        foreach (string name in Images)
        {
            RgbImage image = GoldenModel.Image(name);
            Instances expected = cpu.Run([image], TestContext.Current.CancellationToken)[0];
            Instances actual = gpu.Run([image], TestContext.Current.CancellationToken)[0];
            Assert.All(actual.Scores, s => Assert.True(float.IsFinite(s), $"{precision} {name}: non-finite score"));
            Assert.All(actual.Boxes, v => Assert.True(float.IsFinite(v), $"{precision} {name}: non-finite box"));
            Assert.All(actual.MaskProbabilities!, v => Assert.True(float.IsFinite(v), $"{precision} {name}: non-finite mask probability"));
            var used = new bool[actual.Count];
            for (int i = 0; i < expected.Count; i++)
            {
                if (expected.Scores[i] < 0.1f) continue;
                considered++;
                int best = -1;
                double bestIou = 0.9;
                for (int j = 0; j < actual.Count; j++)
                {
                    if (used[j] || actual.Classes[j] != expected.Classes[i]) continue;
                    double iou = BoxIou(expected.Boxes.AsSpan(4 * i, 4), actual.Boxes.AsSpan(4 * j, 4));
                    if (iou >= bestIou) { bestIou = iou; best = j; }
                }
                if (best < 0) continue;
                used[best] = true;
                matched++;
                minIou = Math.Min(minIou, bestIou);
                maxScore = Math.Max(maxScore, Math.Abs(expected.Scores[i] - actual.Scores[best]));
                for (int c = 0; c < 4; c++) maxBox = Math.Max(maxBox, Math.Abs(expected.Boxes[4 * i + c] - actual.Boxes[4 * best + c]));
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{precision}: {matched} of {considered} CPU detections (score >= 0.1) matched (same class, box IoU >= 0.9); min IoU {minIou:F4}, max |box diff| {maxBox:G4} px, max |score diff| {maxScore:G4}"));
        Assert.True(considered > 0, "no CPU detections to match");
        Assert.True(matched >= minMatched * considered, $"{precision}: only {matched} of {considered} CPU detections found on the GPU");
    }

    [Fact]
    public async Task PredictorOnCuda_RunsOnAnyThread_EvictsPlans_AndGivesEmptyResultsForAnEmptyBatch()
    {
        // No resize (MIN_SIZE_TEST 0): five images of five padded sizes, one more than the plan cache holds.
        ModelSpec spec = GoldenModel.Load(GoldenModel.MaskRcnn, "INPUT.MIN_SIZE_TEST", "0");
        using Predictor gpu = Predictor.Create(spec, new PredictorOptions("cuda:0", 0, "fp16"));
        Assert.StartsWith("cuda:0 ", gpu.BackendDescription, StringComparison.Ordinal);
        Assert.Empty(gpu.Run([], TestContext.Current.CancellationToken));
        string[] names = ["t04_96x64", "t10_256x256", "t03_500x300", "t08_512x384", "t09_384x512"];
        RgbImage[] images = names.Select(GoldenModel.Image).ToArray();
        Instances first = gpu.Run([images[0]], TestContext.Current.CancellationToken)[0];
        foreach (RgbImage image in images.Skip(1))
            Assert.True(gpu.Run([image], TestContext.Current.CancellationToken)[0].Count >= 0);
        // The first plan was evicted and disposed; rebuilding it on a worker thread gives the same detections bit for bit.
        Instances again = await Task.Run(() => gpu.Run([images[0]], TestContext.Current.CancellationToken)[0], TestContext.Current.CancellationToken);
        Assert.Equal(first.Classes, again.Classes);
        Assert.Equal(first.Boxes, again.Boxes);
        Assert.Equal(first.Scores, again.Scores);
        Assert.Equal(first.MaskProbabilities, again.MaskProbabilities);
        output.WriteLine($"{names.Length} padded sizes through a 4-plan cache; {first.Count} detections equal after eviction, on a worker thread");
    }

    internal static string CompareOneToOne(string name, Instances expected, Instances actual, double boxTol, double scoreTol, double minMaskIou)
    {
        Assert.True(expected.Count == actual.Count, $"{name}: CPU {expected.Count} detections, GPU {actual.Count}");
        double maxBox = 0, maxScore = 0, minIou = 1;
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected.Classes[i] == actual.Classes[i], $"{name} detection {i}: class {actual.Classes[i]}, CPU {expected.Classes[i]}");
            for (int c = 0; c < 4; c++) maxBox = Math.Max(maxBox, Math.Abs(expected.Boxes[4 * i + c] - actual.Boxes[4 * i + c]));
            maxScore = Math.Max(maxScore, Math.Abs(expected.Scores[i] - actual.Scores[i]));
            BinaryMask e = expected.GetMask(i)!, a = actual.GetMask(i)!;
            int inter = 0, union = 0;
            for (int p = 0; p < e.Data.Length; p++)
            {
                inter += e.Data[p] & a.Data[p];
                union += e.Data[p] | a.Data[p];
            }
            minIou = Math.Min(minIou, union == 0 ? 1 : (double)inter / union);
        }
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{name}: {expected.Count} detections; max |box diff| {maxBox:G4} px, max |score diff| {maxScore:G4}, min mask IoU {minIou:F4}");
        Assert.True(maxBox <= boxTol, summary);
        Assert.True(maxScore <= scoreTol, summary);
        Assert.True(minIou >= minMaskIou, summary);
        return summary;
    }

    private static double BoxIou(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double iw = Math.Max(0, Math.Min(a[2], b[2]) - Math.Max(a[0], b[0]));
        double ih = Math.Max(0, Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]));
        double inter = iw * ih;
        double union = ((a[2] - a[0]) * (a[3] - a[1])) + ((b[2] - b[0]) * (b[3] - b[1])) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
