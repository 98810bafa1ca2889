using System.Net;
using System.Text.Json.Nodes;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>Dynamic batching, queue policy (max size, timeout), cancellation and graceful shutdown, through the HTTP endpoint.</summary>
public sealed class SchedulerTests
{
    private const string Valid = """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]},{"name":"INPUT1","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TestRepository Repository(string name, string config)
    {
        var repository = new TestRepository();
        repository.AddModel(name, config, 1);
        return repository;
    }

    private static Task<HttpResponseMessage> Infer(HttpClient http, string model) => InferWith(http, model, Valid, Ct);

    private static Task<HttpResponseMessage> Infer(HttpClient http, string model, string body) => InferWith(http, model, body, Ct);

    private static Task<HttpResponseMessage> InferWith(HttpClient http, string model, string body, CancellationToken cancellationToken) =>
        http.PostAsync($"/v2/models/{model}/infer", new StringContent(body), cancellationToken);

    [Fact]
    public async Task DynamicBatcher_DispatchesPreferredBatchSizes()
    {
        await using var server = await TestServer.StartAsync(Repository("batcher", """
            backend: "test_arith"
            max_batch_size: 8
            dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 2000000 }
            instance_group [ { count: 1 kind: KIND_CPU } ]
            """));
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Infer(server.Http, "batcher")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal([4L, 4L], server.Log.Executions.Select(e => e.Images));
        var stats = JsonNode.Parse(await server.Http.GetStringAsync("/v2/models/batcher/stats", Ct))!["model_stats"]![0]!;
        Assert.Equal(2, stats["execution_count"]!.GetValue<long>());
        Assert.Equal(8, stats["inference_count"]!.GetValue<long>());
        Assert.Equal(4, stats["batch_stats"]![0]!["batch_size"]!.GetValue<long>());
    }

    [Fact]
    public async Task DynamicBatcher_AfterMaxQueueDelay_SendsWhatIsQueued()
    {
        await using var server = await TestServer.StartAsync(Repository("delay", """
            backend: "test_arith"
            max_batch_size: 8
            dynamic_batching { max_queue_delay_microseconds: 100000 }
            instance_group [ { count: 1 kind: KIND_CPU } ]
            """));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Infer(server.Http, "delay")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(3L, server.Log.Executions.Sum(e => e.Images));
        Assert.True(started.ElapsedMilliseconds >= 90, $"the batcher waited only {started.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task QueuePolicy_MaxQueueSize_RejectsWith503()
    {
        await using var server = await TestServer.StartAsync(Repository("slow", TestRepository.Slow));
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Infer(server.Http, "slow")));
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.NotEmpty(rejected);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable));
        Assert.Contains("Exceeds maximum queue size", await rejected[0].Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var metrics = await server.Http.GetStringAsync($"http://127.0.0.1:{server.Server.MetricsPort}/metrics", Ct);
        Assert.Contains($"nv_inference_request_failure{{model=\"slow\",reason=\"REJECTED\",version=\"1\"}} {rejected.Length}\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"nv_inference_request_success{{model=\"slow\",version=\"1\"}} {responses.Length - rejected.Length}\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueuePolicy_DefaultTimeout_RejectsRequestsThatWaitTooLong()
    {
        await using var server = await TestServer.StartAsync(Repository("timeout", """
            backend: "test_arith"
            max_batch_size: 1
            parameters { key: "execute_delay_ms" value: { string_value: "300" } }
            dynamic_batching { default_queue_policy { default_timeout_microseconds: 50000 allow_timeout_override: true } }
            instance_group [ { count: 1 kind: KIND_CPU } ]
            """));
        var first = Infer(server.Http, "timeout");
        await Task.Delay(50, Ct);
        var queued = await Infer(server.Http, "timeout");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, queued.StatusCode);
        Assert.Contains("Request timeout expired", await queued.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);

        // A request may lengthen its own timeout when the policy allows overrides.
        var busy = Infer(server.Http, "timeout");
        await Task.Delay(50, Ct);
        var patient = await Infer(server.Http, "timeout", Valid.Replace("{\"inputs\"", "{\"parameters\":{\"timeout\":5000000},\"inputs\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, patient.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await busy).StatusCode);
    }

    [Fact]
    public async Task ClientDisconnect_CancelsQueuedRequest()
    {
        await using var server = await TestServer.StartAsync(Repository("slow", TestRepository.Slow));
        var running = Infer(server.Http, "slow");
        await Task.Delay(50, Ct);
        using var abandon = new CancellationTokenSource(TimeSpan.FromMilliseconds(60));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InferWith(server.Http, "slow", Valid, abandon.Token));
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        var metricsUrl = $"http://127.0.0.1:{server.Server.MetricsPort}/metrics";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string metrics;
        do
        {
            metrics = await server.Http.GetStringAsync(metricsUrl, Ct);
            if (metrics.Contains("nv_inference_request_failure{model=\"slow\",reason=\"CANCELED\",version=\"1\"} 1\n", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(50, Ct);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Contains("nv_inference_request_failure{model=\"slow\",reason=\"CANCELED\",version=\"1\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Single(server.Log.Executions);
    }

    [Fact]
    public async Task GracefulShutdown_AnswersEveryAcceptedRequest()
    {
        var server = await TestServer.StartAsync(Repository("unbounded", """
            backend: "test_arith"
            max_batch_size: 1
            parameters { key: "execute_delay_ms" value: { string_value: "100" } }
            instance_group [ { count: 1 kind: KIND_CPU } ]
            """));
        var inFlight = Enumerable.Range(0, 5).Select(_ => Infer(server.Http, "unbounded")).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (server.Server.Service.InFlight < 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5, Ct);
        }

        Assert.Equal(5, server.Server.Service.InFlight);
        var stopping = server.Server.StopAsync();
        await Task.Delay(20, Ct);
        Assert.False(server.Server.Service.IsReady);
        var late = await Infer(server.Http, "unbounded");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
        var answers = await Task.WhenAll(inFlight);
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await stopping;
        Assert.Equal(5, server.Log.Executions.Count);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task InstanceGroup_Count2_RunsTwoExecutionsAtOnce()
    {
        await using var server = await TestServer.StartAsync(Repository("pair", """
            backend: "test_arith"
            max_batch_size: 1
            parameters { key: "execute_delay_ms" value: { string_value: "1000" } }
            instance_group [ { count: 2 kind: KIND_CPU } ]
            """));
        var responses = await Task.WhenAll(Infer(server.Http, "pair"), Infer(server.Http, "pair"));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, server.Log.MaxConcurrentExecutions);
    }

    [Fact]
    public async Task GrpcMessageLimit_OversizedRequest_IsResourceExhausted()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { GrpcMaxMessageBytes = 64 });
        var request = GrpcRequests.Arith("simple", new float[32], new float[32], batch: 8);
        var error = await Assert.ThrowsAsync<Client.GrpcCallException>(() => server.Grpc.ModelInferAsync(request, Ct));
        Assert.Equal(8, error.Status);
        Assert.Contains("larger than max", error.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcTimeout_PastDeadline_IsDeadlineExceeded()
    {
        await using var server = await TestServer.StartAsync(Repository("slow", TestRepository.Slow));
        using var client = new Client.GrpcInferenceClient(new Uri($"http://127.0.0.1:{server.Server.GrpcPort}"), deadline: TimeSpan.FromMilliseconds(100));
        var error = await Assert.ThrowsAsync<Client.GrpcCallException>(() => client.ModelInferAsync(GrpcRequests.Arith("slow", [1, 2, 3, 4], [1, 2, 3, 4]), Ct));
        Assert.Equal(4, error.Status);
        var ok = await server.Grpc.ModelInferAsync(GrpcRequests.Arith("slow", [1, 2, 3, 4], [1, 2, 3, 4]), Ct);
        Assert.Equal([2f, 4f, 6f, 8f], GrpcRequests.Output(ok, "OUTPUT0"));
    }
}
