using Detserve.Serve.Client;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>
/// The server's overhead on the sample model (p50 request latency minus engine compute), measured with
/// <see cref="ServerBenchmark"/>. Heavy (seconds of CPU inference per level), so it runs only when
/// DETSERVE_SERVE_BENCH=1; the numbers go to the test output.
/// </summary>
public sealed class SampleBenchmarkTests
{
    [Theory]
    [InlineData("grpc", "mask_rcnn")]
    [InlineData("http", "mask_rcnn")]
    [InlineData("grpc", "mask_rcnn_pipeline")]
    public async Task Bench_SampleModel_ReportsServerOverhead(string scheme, string model)
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("DETSERVE_SERVE_BENCH") == "1", "set DETSERVE_SERVE_BENCH=1 to measure the sample model");
        var fixture = new SampleServerFixture();
        await fixture.InitializeAsync();
        await using var cleanup = fixture;
        var port = scheme == "grpc" ? fixture.Server.GrpcPort : fixture.Server.HttpPort;
        using var bench = new ServerBenchmark(new ServerBenchmarkOptions
        {
            Server = new Uri($"{scheme}://127.0.0.1:{port}"),
            Model = model,
            Concurrency = [1, 4],
            InputFile = Path.Combine(SampleServerFixture.Samples, "mask_rcnn_R_50_FPN_narrow", "images", "t00_512x512.png"),
            WarmupRequests = 2,
            MeasurementSeconds = 8,
        });
        var results = await bench.RunAsync(TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper!.WriteLine($"{scheme} " + ServerBenchmark.Format(model, results));
        Assert.All(results, r => Assert.Equal(0, r.Errors));
    }
}
