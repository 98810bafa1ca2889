using Detserve.Serve.Client;
using Detserve.Serve.Hosting;

namespace Detserve.Serve.Tests.Support;

/// <summary>A real server on loopback ephemeral ports over a <see cref="TestRepository"/>, with an HTTP client and a gRPC client.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly TestRepository _repository;

    private TestServer(InferenceServer server, TestRepository repository, BatchLog log)
    {
        Server = server;
        _repository = repository;
        Log = log;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Grpc = new GrpcInferenceClient(new Uri($"http://127.0.0.1:{server.GrpcPort}"));
    }

    public InferenceServer Server { get; }

    public BatchLog Log { get; }

    public HttpClient Http { get; }

    public GrpcInferenceClient Grpc { get; }

    public string RepositoryRoot => _repository.Root;

    public static async Task<TestServer> StartAsync(TestRepository? repository = null, Func<ServerOptions, ServerOptions>? configure = null)
    {
        repository ??= TestRepository.Standard();
        var log = new BatchLog();
        var options = new ServerOptions
        {
            ModelRepository = repository.Root,
            BindAddress = "127.0.0.1",
            HttpPort = 0,
            GrpcPort = 0,
            MetricsPort = 0,
            Backends = [new ArithmeticBackend(log)],
            ExitTimeout = TimeSpan.FromSeconds(20),
        };
        options = configure?.Invoke(options) ?? options;
        var server = await InferenceServer.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);
        return new TestServer(server, repository, log);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Grpc.Dispose();
        await Server.DisposeAsync();
        _repository.Dispose();
    }
}
