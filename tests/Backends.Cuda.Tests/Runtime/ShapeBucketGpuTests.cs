using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>Shape buckets on the GPU: plan keys round up to a bucket, images of many sizes share one plan (one CUDA graph), and the
/// bucketed GPU run matches the bucketed CPU run detection for detection.</summary>
public sealed class ShapeBucketGpuTests(ITestOutputHelper output)
{
    [Fact]
    public void PlanKey_RoundsUpToTheSmallestBucketThatHoldsTheBatch()
    {
        var buckets = ShapeBuckets.Parse("800x1344,1344x1344");
        Assert.Equal(new PlanKey(1, 800, 1344), PlanKey.For([(800, 1066)], 32, buckets));
        Assert.Equal(new PlanKey(2, 1344, 1344), PlanKey.For([(800, 1066), (1000, 600)], 32, buckets));
        Assert.Equal(new PlanKey(1, 1376, 800), PlanKey.For([(1360, 800)], 32, buckets));
        Assert.Equal(new PlanKey(1, 800, 1088), PlanKey.For([(800, 1066)], 32, null));
    }

    [Fact]
    [Trait("gpu", "true")]
    public void Images_of_many_sizes_share_one_plan_and_match_the_bucketed_cpu_run()
    {
        (ModelSpec spec, ModelGraph model) = GoldenModel.LoadGraph(GoldenModel.MaskRcnn);
        var buckets = ShapeBuckets.Parse("1344x1344");
        using Predictor cpu = Predictor.Create(spec, new PredictorOptions(Threads: 0, ShapeBuckets: buckets));
        using CudaDetector gpu = CudaDetector.Create(model, 0, GpuPrecision.Fp32Strict);
        gpu.ShapeBuckets = buckets;
        int total = 0;
        foreach (string name in new[] { "t01_640x480", "t05_1024x768", "t07_427x640", "t11_800x600" })
        {
            RgbImage image = GoldenModel.Image(name);
            Instances expected = cpu.Run([image], TestContext.Current.CancellationToken)[0];
            Instances actual = GoldenModel.RunGpu(gpu, spec, [image])[0];
            output.WriteLine(WholeModelTests.CompareOneToOne(name, expected, actual, 0.01, 1e-4, 0.99));
            total += expected.Count;
        }
        Assert.True(total > 0);
        Assert.Equal(1, gpu.CachedPlans);
    }
}
