using System.Text.Json.Nodes;
using Detserve.Serve.Client;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

public sealed class ServerBenchmarkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http")]
    [InlineData("grpc")]
    public async Task Bench_ReportsThroughputAndPercentiles_MatchingServerStatistics(string scheme)
    {
        await using var server = await TestServer.StartAsync();
        var port = scheme == "grpc" ? server.Server.GrpcPort : server.Server.HttpPort;
        var options = new ServerBenchmarkOptions
        {
            Server = new Uri($"{scheme}://127.0.0.1:{port}"),
            Model = "simple",
            Concurrency = [1, 4],
            WarmupRequests = 2,
            MeasurementSeconds = 0.4,
        };
        using var bench = new ServerBenchmark(options);
        var results = await bench.RunAsync(Ct);
        Assert.Equal([1, 4], results.Select(r => r.Concurrency));
        foreach (var r in results)
        {
            Assert.True(r.Requests > 0);
            Assert.Equal(0, r.Errors);
            Assert.True(r.ThroughputPerSecond > 0);
            Assert.True(r.P50Us <= r.P90Us && r.P90Us <= r.P95Us && r.P95Us <= r.P99Us);
            Assert.True(r.ServerComputeInferUs >= 0 && r.ServerQueueUs >= 0);
        }

        var stats = JsonNode.Parse(await server.Http.GetStringAsync("/v2/models/simple/stats", Ct))!["model_stats"]![0]!;
        Assert.Equal(results.Sum(r => r.Requests) + 4, stats["inference_stats"]!["success"]!["count"]!.GetValue<long>());
        var text = ServerBenchmark.Format("simple", results);
        Assert.Contains("Concurrency: 4, throughput:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentile_IsNearestRank()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, ServerBenchmark.Percentile(sorted, 50));
        Assert.Equal(9, ServerBenchmark.Percentile(sorted, 90));
        Assert.Equal(10, ServerBenchmark.Percentile(sorted, 99));
        Assert.Equal(0, ServerBenchmark.Percentile([], 50));
    }

    /// <summary>Protocol overhead alone: a model whose compute is a few additions, at concurrency 1, 8 and 32 (gated like the sample bench).</summary>
    [Theory]
    [InlineData("http")]
    [InlineData("grpc")]
    public async Task Bench_TrivialModel_MeasuresProtocolOverhead(string scheme)
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("DETSERVE_SERVE_BENCH") == "1", "set DETSERVE_SERVE_BENCH=1 to measure");
        await using var server = await TestServer.StartAsync();
        var port = scheme == "grpc" ? server.Server.GrpcPort : server.Server.HttpPort;
        using var bench = new ServerBenchmark(new ServerBenchmarkOptions
        {
            Server = new Uri($"{scheme}://127.0.0.1:{port}"),
            Model = "nobatch",
            Concurrency = [1, 8, 32],
            WarmupRequests = 200,
            MeasurementSeconds = 3,
        });
        var results = await bench.RunAsync(Ct);
        TestContext.Current.TestOutputHelper!.WriteLine($"{scheme} " + ServerBenchmark.Format("nobatch", results));
        Assert.All(results, r => Assert.Equal(0, r.Errors));
    }
}
