using System.Collections.Concurrent;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Serve.Backends;
using Detserve.Serve.Client;
using Detserve.Serve.Hosting;
using Detserve.Vision;

namespace Detserve.Serve.Tests.Support;

/// <summary>One server over samples/model_repository, and one reference <see cref="Predictor"/> of the same model, shared by a test class.</summary>
public sealed class SampleServerFixture : IAsyncLifetime
{
    public static readonly string Samples = Path.Combine(RepositoryRoot.Find(), "samples");

    private readonly ConcurrentDictionary<RgbImage, Instances> _references = new();
    private readonly object _gate = new();
    private InferenceServer _server = null!;
    private Predictor _predictor = null!;

    public HttpClient Http { get; private set; } = null!;

    public GrpcInferenceClient Grpc { get; private set; } = null!;

    public InferenceServer Server => _server;

    public async ValueTask InitializeAsync()
    {
        var options = new ServerOptions
        {
            ModelRepository = Path.Combine(Samples, "model_repository"),
            BindAddress = "127.0.0.1",
            HttpPort = 0,
            GrpcPort = 0,
            MetricsPort = 0,
        };
        _server = await InferenceServer.StartAsync(options, BuiltInBackends.Create());
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_server.HttpPort}"), Timeout = TimeSpan.FromMinutes(2) };
        Grpc = new GrpcInferenceClient(new Uri($"http://127.0.0.1:{_server.GrpcPort}"));
        var dir = Path.Combine(Samples, "mask_rcnn_R_50_FPN_narrow");
        var spec = ModelLoader.Load(Path.Combine(dir, "configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow.yaml"), Path.Combine(dir, "model_final.pkl"));
        _predictor = Predictor.Create(spec, new PredictorOptions());
    }

    /// <summary>What the engine computes for <paramref name="image"/> alone (memoized per image object).</summary>
    public Instances Reference(RgbImage image) => _references.GetOrAdd(image, i =>
    {
        lock (_gate)
        {
            return _predictor.Run([i])[0];
        }
    });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Grpc.Dispose();
        _predictor.Dispose();
        await _server.DisposeAsync();
    }
}
