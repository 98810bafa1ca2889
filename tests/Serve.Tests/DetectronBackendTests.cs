using Detserve.Serve.Backends;
using Detserve.Serve.Backends.Detectron;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;
using Detserve.Serve.Repository;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>Auto-complete of "detserve" models from a version folder holding model.yaml + model.pkl, with no config.pbtxt at all.</summary>
public sealed class DetectronBackendTests
{
    [Fact]
    public void BareVersionFolder_IsRecognizedAndCompleted()
    {
        using var repository = new TestRepository();
        var version = Path.Combine(repository.Root, "zoo_model", "1");
        Directory.CreateDirectory(version);
        var sample = Path.Combine(SampleServerFixture.Samples, "mask_rcnn_R_50_FPN_narrow");
        File.WriteAllText(Path.Combine(version, "model.yaml"), $"_BASE_: \"{Path.Combine(sample, "configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow.yaml")}\"\n");
        File.CreateSymbolicLink(Path.Combine(version, "model.pkl"), Path.Combine(sample, "model_final.pkl"));

        var loader = new ModelConfigLoader(BuiltInBackends.Create().ToDictionary(b => b.Name), [], strict: false);
        var (config, backend) = loader.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "zoo_model")));
        Assert.Equal(DetectronBackend.BackendName, backend!.Name);
        Assert.Equal("zoo_model", config.Name);
        Assert.Equal(8, config.MaxBatchSize);
        var input = Assert.Single(config.Input);
        Assert.Equal((DetectionTensorNames.Input, DataType.TypeUint8, true), (input.Name, input.DataType, input.AllowRaggedBatch));
        Assert.Equal([-1L, -1L, 3L], input.Dims);
        Assert.Equal(
            [DetectionTensorNames.NumDetections, DetectionTensorNames.Boxes, DetectionTensorNames.Scores, DetectionTensorNames.Classes, DetectionTensorNames.Masks, DetectionTensorNames.PastedMasks],
            config.Output.Select(o => o.Name));
    }

    [Fact]
    public void MissingWeights_IsAClearLoadError()
    {
        using var repository = new TestRepository();
        var version = Path.Combine(repository.Root, "m", "1");
        Directory.CreateDirectory(version);
        File.WriteAllText(Path.Combine(repository.Root, "m", "config.pbtxt"), "backend: \"detserve\"\nmax_batch_size: 2\n");
        File.WriteAllText(Path.Combine(version, "model.yaml"), "MODEL:\n  MASK_ON: True\n");
        var loader = new ModelConfigLoader(BuiltInBackends.Create().ToDictionary(b => b.Name), [], strict: false);
        var error = Assert.Throws<ServeException>(() => loader.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "m"))));
        Assert.Contains("model.pkl", error.Message, StringComparison.Ordinal);
        Assert.Contains("weights_file", error.Message, StringComparison.Ordinal);
    }
}
