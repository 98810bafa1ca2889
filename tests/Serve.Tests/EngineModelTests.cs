using System.Net;
using System.Text.Json.Nodes;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Engine;
using Detserve.Serve.Backends;
using Detserve.Serve.Backends.Detectron;
using Detserve.Serve.Core;
using Detserve.Serve.Hosting;
using Detserve.Serve.Protocol;
using Detserve.Serve.Repository;
using Detserve.Serve.Tests.Support;
using Detserve.Vision;

namespace Detserve.Serve.Tests;

/// <summary>A "detserve" model whose version folder holds model.engine (detserve build's output) instead of model.yaml + model.pkl.</summary>
public sealed class EngineModelTests : IDisposable
{
    private static readonly string Sample = Path.Combine(SampleServerFixture.Samples, "mask_rcnn_R_50_FPN_narrow");
    private static readonly string ConfigPath = Path.Combine(Sample, "configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow.yaml");
    private static readonly string WeightsPath = Path.Combine(Sample, "model_final.pkl");
    private readonly TestRepository _repository = new();

    public void Dispose() => _repository.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string AddEngineModel(string name, string? configPbtxt, int maxBatch)
    {
        var version = Path.Combine(_repository.Root, name, "1");
        Directory.CreateDirectory(version);
        if (configPbtxt is not null) File.WriteAllText(Path.Combine(_repository.Root, name, "config.pbtxt"), configPbtxt);
        ModelSpec spec = ModelLoader.Load(ConfigPath, WeightsPath);
        EngineBuilder.Build(spec.Config, spec.Weights, new EngineSource(ConfigPath, WeightsPath, null, []), "fp32", maxBatch,
            Path.Combine(version, DetectronModelFiles.EngineFileName));
        return Path.Combine(_repository.Root, name);
    }

    private static (ModelConfig Config, IModelBackend? Backend) Load(string modelDir) =>
        new ModelConfigLoader(BuiltInBackends.Create().ToDictionary(b => b.Name), [], strict: false).Load(ModelDirectory.Scan(modelDir));

    [Fact]
    public void A_bare_engine_folder_is_completed_with_the_engine_max_batch()
    {
        var (config, backend) = Load(AddEngineModel("eng", null, maxBatch: 3));
        Assert.Equal(DetectronBackend.BackendName, backend!.Name);
        Assert.Equal(3, config.MaxBatchSize);
        Assert.Contains(config.Output, o => o.Name == DetectionTensorNames.Masks);
    }

    [Fact]
    public void A_batch_size_above_the_engine_and_build_time_parameters_are_refused()
    {
        var dir = AddEngineModel("big", "backend: \"detserve\"\nmax_batch_size: 16\n", maxBatch: 4);
        var e = Assert.Throws<ServeException>(() => Load(dir));
        Assert.Contains("max_batch_size 16", e.Message, StringComparison.Ordinal);
        Assert.Contains("--max-batch 16", e.Message, StringComparison.Ordinal);

        dir = AddEngineModel("fixed", "backend: \"detserve\"\nmax_batch_size: 2\nparameters { key: \"MODEL.RESNETS.DEPTH\" value: { string_value: \"101\" } }\n", maxBatch: 4);
        Assert.Contains("MODEL.RESNETS.DEPTH", Assert.Throws<ServeException>(() => Load(dir)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_buckets_come_from_the_parameter_else_the_engine()
    {
        static ModelInstanceContext Context(string? buckets)
        {
            var config = new ModelConfig { Name = "m" };
            if (buckets is not null) config.Parameters["shape_buckets"] = new ModelParameter { StringValue = buckets };
            return new ModelInstanceContext(config, "m", 1, "/tmp", "m_0", ModelInstanceGroup.Types.Kind.Cpu, -1);
        }

        Assert.Null(DetectronBackend.PredictorOptionsFor(Context(null)).ShapeBuckets);
        Assert.Equal("512x512", DetectronBackend.PredictorOptionsFor(Context(null), engineBuckets: "500x500")!.ShapeBuckets!.ToString());
        Assert.Equal("800x1344", DetectronBackend.PredictorOptionsFor(Context("800x1333"), engineBuckets: "500x500").ShapeBuckets!.ToString());
        var e = Assert.Throws<ServeException>(() => DetectronBackend.PredictorOptionsFor(Context("big")));
        Assert.Contains("shape_buckets", e.Message, StringComparison.Ordinal);
        Assert.Contains("'big'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_engine_model_answers_what_the_config_and_weights_compute()
    {
        AddEngineModel("eng", """
            backend: "detserve"
            max_batch_size: 2
            parameters { key: "MODEL.ROI_HEADS.SCORE_THRESH_TEST" value: { string_value: "0.3" } }
            """, maxBatch: 2);
        var options = new ServerOptions { ModelRepository = _repository.Root, BindAddress = "127.0.0.1", HttpPort = 0, GrpcPort = 0, MetricsPort = 0 };
        await using var server = await InferenceServer.StartAsync(options, BuiltInBackends.Create(), cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = TimeSpan.FromMinutes(2) };

        var image = ImageDecoder.DecodeFile(Path.Combine(Sample, "images", "t07_427x640.png"));
        using var reference = Predictor.Create(ModelLoader.Load(ConfigPath, WeightsPath, ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.3"]), new PredictorOptions());
        Instances expected = reference.Run([image], Ct)[0];
        Assert.True(expected.Count > 0);

        var request = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "input_tensor",
                ["datatype"] = "UINT8",
                ["shape"] = new JsonArray(1, image.Height, image.Width, 3),
                ["parameters"] = new JsonObject { ["binary_data_size"] = image.Pixels.Length },
            }),
            ["outputs"] = new JsonArray(new JsonObject { ["name"] = "num_detections" }, new JsonObject { ["name"] = "detection_scores" }),
        };
        using var response = await http.PostAsync("/v2/models/eng/infer", InferJson.Binary(request, image.Pixels), Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var outputs = JsonNode.Parse(body)!["outputs"]!.AsArray();
        Assert.Equal(expected.Count, outputs[0]!["data"]![0]!.GetValue<int>());
        Assert.Equal(expected.Scores, InferJson.Floats(outputs[1]!["data"]));
    }
}
