using Detserve.Import.Model;
using Detserve.Runtime.Engine;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// An engine file on the GPU: the same graphs as config + weights, so the CUDA path gives bit-identical detections in FP32 and FP16,
/// and the engine's precision is what a run without one uses.
/// </summary>
[Trait("gpu", "true")]
public sealed class GpuEngineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detserve-gpu-engine-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(Golden.MaskRcnn, "fp32")]
    [InlineData(Golden.MaskRcnn, "fp16")]
    [InlineData(Golden.RetinaNet, "fp16")]
    public void An_engine_on_cuda_gives_what_config_and_weights_give(string model, string precision)
    {
        ModelSpec spec = ModelLoader.Load(Golden.ConfigOf(model), Golden.WeightsOf(model));
        string path = Path.Combine(_dir, $"{model}.{precision}.engine");
        EngineBuilder.Build(spec.Config, spec.Weights, new EngineSource(spec.ConfigPath, spec.WeightsPath!, null, []), precision, 4, path);
        LoadedEngine engine = EngineFile.Load(path);
        Assert.Equal(precision, engine.Info.Precision);

        RgbImage[] images = new[] { "t01_640x480", "t05_1024x768", "t07_427x640" }.Select(n => ImageDecoder.DecodeFile(Golden.Path("shapes_test", n + ".png"))).ToArray();
        using var fromFiles = Predictor.Create(spec, new PredictorOptions("cuda", 0, precision));
        using var fromEngine = Predictor.Create(engine.Model, new PredictorOptions("cuda", 0, engine.Info.Precision, engine.Info.MaxBatch));
        IReadOnlyList<Instances> expected = fromFiles.Run(images, TestContext.Current.CancellationToken);
        IReadOnlyList<Instances> actual = fromEngine.Run(images, TestContext.Current.CancellationToken);
        int total = SameInstances.Assert(expected, actual);
        Assert.True(total > 0);
    }
}
