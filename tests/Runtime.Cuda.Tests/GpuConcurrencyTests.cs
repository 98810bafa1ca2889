using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// Two GPU predictors driven from two threads at once (a server's KIND_GPU instance group with count 2), each capturing a CUDA graph
/// for every new image size while the other runs: every run succeeds and gives what one predictor gives alone.
/// </summary>
[Trait("gpu", "true")]
public sealed class GpuConcurrencyTests
{
    [Fact]
    public async Task Two_predictors_capturing_and_running_at_once_give_the_serial_results()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        ModelSpec spec = ModelLoader.Load(Golden.ConfigOf(Golden.MaskRcnn), Golden.WeightsOf(Golden.MaskRcnn));
        RgbImage[] images = Directory.GetFiles(Golden.Images, "*.png").Order(StringComparer.Ordinal).Select(p => ImageDecoder.DecodeFile(p)).ToArray();
        Instances[] expected;
        using (var serial = Predictor.Create(spec, new PredictorOptions("cuda", 0, "fp16")))
            expected = images.Select(i => serial.Run([i], ct)[0]).ToArray();

        using var a = Predictor.Create(spec, new PredictorOptions("cuda", 0, "fp16"));
        using var b = Predictor.Create(spec, new PredictorOptions("cuda", 0, "fp16"));
        // Opposite orders, so that the two capture different sizes at the same moments.
        Task<Instances[]> ta = Task.Run(() => images.Select(i => a.Run([i], ct)[0]).ToArray(), ct);
        Task<Instances[]> tb = Task.Run(() => images.Reverse().Select(i => b.Run([i], ct)[0]).Reverse().ToArray(), ct);
        Instances[][] results = await Task.WhenAll(ta, tb);
        foreach (Instances[] run in results) Assert.True(SameInstances.Assert(expected, run) > 0);
    }
}
