using System.Globalization;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>
/// The whole RetinaNet on the GPU against the CPU Predictor on the golden retinanet_R_50_FPN_narrow and shapes_test images: strict
/// FP32 detection for detection, TF32 ("fp32") and FP16 through Predictor.Create by matching, CUDA graph replay bit-equal to the
/// op-by-op run, and a batch of mixed sizes.
/// </summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class RetinaNetWholeModelTests(ITestOutputHelper output)
{
    private static readonly string[] Images = ["t10_256x256", "t04_96x64", "t01_640x480", "t05_1024x768", "t07_427x640"];

    private static (ModelSpec Spec, ModelGraph Model) Load() => GoldenModel.LoadGraph(GoldenModel.RetinaNet);

    private static Instances[] RunGpu(IGpuDetector gpu, ModelSpec spec, IReadOnlyList<RgbImage> images) => GoldenModel.RunGpu(gpu, spec, images);

    [Fact]
    public void Fp32Strict_EachImage_MatchesTheCpuPredictor_DetectionForDetection()
    {
        (ModelSpec spec, ModelGraph model) = Load();
        using Predictor cpu = Predictor.Create(spec, new PredictorOptions(Threads: 0));
        using CudaRetinaNetDetector gpu = CudaRetinaNetDetector.Create(model, 0, GpuPrecision.Fp32Strict);
        int total = 0;
        foreach (string name in Images)
        {
            RgbImage image = GoldenModel.Image(name);
            Instances expected = cpu.Run([image], TestContext.Current.CancellationToken)[0];
            Instances actual = RunGpu(gpu, spec, [image])[0];
            total += expected.Count;
            output.WriteLine(CompareOneToOne(name, expected, actual, 0.01, 1e-4));
        }
        Assert.True(total > 0, "the golden images gave no detections at all");
    }

    [Fact]
    public void Fp32Strict_MixedSizeBatch_MatchesTheCpuPredictorsBatch_WithoutNmsOverflow()
    {
        (ModelSpec spec, ModelGraph model) = Load();
        using Predictor cpu = Predictor.Create(spec, new PredictorOptions(Threads: 0));
        using CudaRetinaNetDetector gpu = CudaRetinaNetDetector.Create(model, 0, GpuPrecision.Fp32Strict);
        RgbImage[] batch = new[] { "t01_640x480", "t04_96x64", "t07_427x640" }.Select(GoldenModel.Image).ToArray();
        IReadOnlyList<Instances> expected = cpu.Run(batch, TestContext.Current.CancellationToken);
        Instances[] actual = RunGpu(gpu, spec, batch);
        for (int n = 0; n < batch.Length; n++) output.WriteLine(CompareOneToOne($"batch[{n}]", expected[n], actual[n], 0.01, 1e-4));
        var sizes = batch.Select(i => ImagePreprocessor.Resize(i, spec.Architecture.Input)).Select(r => (r.Height, r.Width)).ToArray();
        Assert.Equal(0, gpu.Plan(gpu.KeyFor(sizes)).ReadNmsOverflow());
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("fp16")]
    public void GraphReplay_EqualsTheOpByOpRun_BitForBit(string precision)
    {
        (ModelSpec spec, ModelGraph model) = Load();
        using CudaRetinaNetDetector gpu = CudaRetinaNetDetector.Create(model, 0, GpuPrecisionName.Parse(precision));
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
            }
        }
        Assert.True(eager.Sum(e => e.Count) > 0, "no detections to compare");
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
        Assert.NotNull(gpu.GpuRetinaNet);
        Assert.StartsWith("cuda:0 ", gpu.BackendDescription, StringComparison.Ordinal);
        Assert.Empty(gpu.Run([], TestContext.Current.CancellationToken));
        int considered = 0, matched = 0;
        double maxBox = 0, maxScore = 0, minIou = 1;
        foreach (string name in Images)
        {
            RgbImage image = GoldenModel.Image(name);
            Instances expected = cpu.Run([image], TestContext.Current.CancellationToken)[0];
            Instances actual = gpu.Run([image], TestContext.Current.CancellationToken)[0];
            Assert.Null(actual.MaskProbabilities);
            Assert.All(actual.Scores, s => Assert.True(float.IsFinite(s), $"{precision} {name}: non-finite score"));
            Assert.All(actual.Boxes, v => Assert.True(float.IsFinite(v), $"{precision} {name}: non-finite box"));
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

    /// <summary>
    /// Rank by rank: same count, class, box and score within tolerance. Where the CPU's scores at two neighbouring ranks are closer than
    /// the score tolerance the GPU may order them the other way, so a rank that differs is matched against its neighbours.
    /// </summary>
    private static string CompareOneToOne(string name, Instances expected, Instances actual, double boxTol, double scoreTol)
    {
        Assert.True(expected.Count == actual.Count, $"{name}: CPU {expected.Count} detections, GPU {actual.Count}");
        double maxBox = 0, maxScore = 0;
        int swapped = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            int j = i;
            if (!Same(expected, i, actual, i, boxTol, scoreTol))
            {
                j = Enumerable.Range(Math.Max(0, i - 2), Math.Min(expected.Count, i + 3) - Math.Max(0, i - 2))
                    .FirstOrDefault(k => k != i && Math.Abs(expected.Scores[i] - actual.Scores[k]) <= scoreTol && Same(expected, i, actual, k, boxTol, scoreTol), -1);
                Assert.True(j >= 0, string.Create(CultureInfo.InvariantCulture,
                    $"{name} detection {i}: GPU class {actual.Classes[i]} score {actual.Scores[i]:G6} box [{string.Join(", ", actual.Boxes.AsSpan(4 * i, 4).ToArray())}], CPU class {expected.Classes[i]} score {expected.Scores[i]:G6} box [{string.Join(", ", expected.Boxes.AsSpan(4 * i, 4).ToArray())}]"));
                swapped++;
            }
            for (int c = 0; c < 4; c++) maxBox = Math.Max(maxBox, Math.Abs(expected.Boxes[4 * i + c] - actual.Boxes[4 * j + c]));
            maxScore = Math.Max(maxScore, Math.Abs(expected.Scores[i] - actual.Scores[j]));
        }
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{name}: {expected.Count} detections; max |box diff| {maxBox:G4} px, max |score diff| {maxScore:G4}, {swapped} near-tied ranks swapped");
        Assert.True(maxBox <= boxTol, summary);
        Assert.True(maxScore <= scoreTol, summary);
        return summary;
    }

    private static bool Same(Instances e, int i, Instances a, int j, double boxTol, double scoreTol)
    {
        if (e.Classes[i] != a.Classes[j] || Math.Abs(e.Scores[i] - a.Scores[j]) > scoreTol) return false;
        for (int c = 0; c < 4; c++)
            if (Math.Abs(e.Boxes[4 * i + c] - a.Boxes[4 * j + c]) > boxTol) return false;
        return true;
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
