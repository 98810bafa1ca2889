using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>Predictor behaviour around the network: options, empty batches, cancellation, concurrent callers.</summary>
public sealed class PredictorTests(GoldenModels models) : IClassFixture<GoldenModels>
{
    private static RgbImage Image(string name) => ImageDecoder.DecodeFile(Golden.Path("shapes_test", name + ".png"));

    [Fact]
    public void Unsupported_device_and_precision_are_refused_by_name()
    {
        ModelSpec spec = ModelLoader.Load(Golden.ConfigOf(Golden.MaskRcnn), Golden.WeightsOf(Golden.MaskRcnn));
        Assert.Contains("cuda", Assert.Throws<NotSupportedException>(() => Predictor.Create(spec, new PredictorOptions(Device: "cuda"))).Message, StringComparison.Ordinal);
        Assert.Contains("fp16", Assert.Throws<NotSupportedException>(() => Predictor.Create(spec, new PredictorOptions(Precision: "fp16"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_batch_gives_no_results()
    {
        Predictor p = models.Get(Golden.MaskRcnn, "INPUT.MIN_SIZE_TEST", "120");
        Assert.Empty(p.Run([], TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_cancelled_token_stops_the_run()
    {
        Predictor p = models.Get(Golden.MaskRcnn, "INPUT.MIN_SIZE_TEST", "120");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => p.Run([Image("t10_256x256")], cts.Token));
    }

    [Fact]
    public async Task Concurrent_callers_get_the_same_results_as_sequential_ones()
    {
        Predictor p = models.Get(Golden.MaskRcnn, "INPUT.MIN_SIZE_TEST", "120");
        RgbImage a = Image("t10_256x256"), b = Image("t04_96x64");
        Instances sa = p.Run([a], TestContext.Current.CancellationToken)[0];
        Instances sb = p.Run([b], TestContext.Current.CancellationToken)[0];
        Task<Instances>[] tasks =
        [
            Task.Run(() => p.Run([a], TestContext.Current.CancellationToken)[0], TestContext.Current.CancellationToken),
            Task.Run(() => p.Run([b], TestContext.Current.CancellationToken)[0], TestContext.Current.CancellationToken),
            Task.Run(() => p.Run([a], TestContext.Current.CancellationToken)[0], TestContext.Current.CancellationToken),
        ];
        Instances[] results = await Task.WhenAll(tasks);
        foreach ((Instances expected, Instances actual) in new[] { (sa, results[0]), (sb, results[1]), (sa, results[2]) })
        {
            Assert.Equal(expected.Boxes, actual.Boxes);
            Assert.Equal(expected.Scores, actual.Scores);
            Assert.Equal(expected.Classes, actual.Classes);
        }
    }
}
