using System.Net;
using System.Text.Json.Nodes;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>1000 requests at concurrency 32: every one answered, each equal to the answer the same request got alone; statistics and metrics agree with what was sent.</summary>
public sealed class ConcurrencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http_1000RequestsAtConcurrency32_AllAnsweredAndEqualToSingleRequests()
    {
        await using var server = await TestServer.StartAsync();
        const int distinct = 40;
        var inputs = Enumerable.Range(0, distinct).Select(i => (A: new[] { i, i * 0.5f, -i, 1f / (i + 1) }, B: new[] { 3f, -i, i * i, 0.25f })).ToArray();
        var single = new float[distinct][];
        for (var i = 0; i < distinct; i++)
        {
            single[i] = await InferAsync(server.Http, inputs[i].A, inputs[i].B);
        }

        var results = new float[1000][];
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Ct }, async (n, _) =>
        {
            var (a, b) = inputs[n % distinct];
            results[n] = await InferAsync(server.Http, a, b);
        });

        for (var n = 0; n < 1000; n++)
        {
            Assert.Equal(single[n % distinct], results[n]);
        }

        var stats = JsonNode.Parse(await server.Http.GetStringAsync("/v2/models/simple/stats", Ct))!["model_stats"]![0]!;
        Assert.Equal(1000 + distinct, stats["inference_stats"]!["success"]!["count"]!.GetValue<long>());
        Assert.Equal(1000 + distinct, stats["inference_count"]!.GetValue<long>());
        Assert.Equal(0, stats["inference_stats"]!["fail"]!["count"]!.GetValue<long>());
        var executions = stats["execution_count"]!.GetValue<long>();
        Assert.Equal(server.Log.Executions.Count, executions);
        Assert.True(executions < 1000 + distinct, "concurrent requests should have been batched");
        Assert.Equal(1000 + distinct, stats["batch_stats"]!.AsArray().Sum(b => b!["batch_size"]!.GetValue<long>() * b["compute_infer"]!["count"]!.GetValue<long>()));

        var metrics = await server.Http.GetStringAsync($"http://127.0.0.1:{server.Server.MetricsPort}/metrics", Ct);
        Assert.Contains($"nv_inference_request_success{{model=\"simple\",version=\"1\"}} {1000 + distinct}\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"nv_inference_count{{model=\"simple\",version=\"1\"}} {1000 + distinct}\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"nv_inference_exec_count{{model=\"simple\",version=\"1\"}} {executions}\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"nv_inference_first_response_histogram_ms_count{{model=\"simple\",version=\"1\"}} {1000 + distinct}\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"nv_inference_first_response_histogram_ms_bucket{{model=\"simple\",le=\"+Inf\",version=\"1\"}} {1000 + distinct}\n", metrics, StringComparison.Ordinal);
        Assert.Contains("nv_inference_queue_duration_us{model=\"simple\",version=\"1\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_500RequestsAtConcurrency32_AllAnsweredAndCorrect()
    {
        await using var server = await TestServer.StartAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Ct }, async (n, ct) =>
        {
            var response = await server.Grpc.ModelInferAsync(GrpcRequests.Arith("simple", [n, 1, 2, 3], [1, n, 1, 1], id: n.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);
            Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Id);
            Assert.Equal([n + 1f, 1f + n, 3f, 4f], GrpcRequests.Output(response, "OUTPUT0"));
        });
    }

    private static async Task<float[]> InferAsync(HttpClient http, float[] a, float[] b)
    {
        using var response = await http.PostAsync("/v2/models/simple/infer", InferJson.Content(InferJson.Request(a, b)), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        return body["outputs"]!.AsArray().SelectMany(o => InferJson.Floats(o!["data"])).ToArray();
    }
}
