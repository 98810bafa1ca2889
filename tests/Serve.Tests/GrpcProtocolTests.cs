using Detserve.Serve.Client;
using Detserve.Serve.Protocol;
using Detserve.Serve.Protocol.Health;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>gRPC inference.GRPCInferenceService over h2c on a real loopback socket, with the project's own client.</summary>
public sealed class GrpcProtocolTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private GrpcInferenceClient Grpc => _server.Grpc;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthAndMetadata_Rpcs()
    {
        Assert.True((await Grpc.UnaryAsync("ServerLive", new ServerLiveRequest(), ServerLiveResponse.Parser, Ct)).Live);
        Assert.True((await Grpc.UnaryAsync("ServerReady", new ServerReadyRequest(), ServerReadyResponse.Parser, Ct)).Ready);
        Assert.True((await Grpc.UnaryAsync("ModelReady", new ModelReadyRequest { Name = "simple" }, ModelReadyResponse.Parser, Ct)).Ready);
        Assert.False((await Grpc.UnaryAsync("ModelReady", new ModelReadyRequest { Name = "nope" }, ModelReadyResponse.Parser, Ct)).Ready);
        var server = await Grpc.UnaryAsync("ServerMetadata", new ServerMetadataRequest(), ServerMetadataResponse.Parser, Ct);
        Assert.Contains("binary_tensor_data", server.Extensions);
        var model = await Grpc.UnaryAsync("ModelMetadata", new ModelMetadataRequest { Name = "simple" }, ModelMetadataResponse.Parser, Ct);
        Assert.Equal([-1L, 4L], model.Inputs[0].Shape);
        var config = await Grpc.UnaryAsync("ModelConfig", new ModelConfigRequest { Name = "simple" }, ModelConfigResponse.Parser, Ct);
        Assert.Equal(8, config.Config.MaxBatchSize);
        Assert.Equal([4, 8], config.Config.DynamicBatching.PreferredBatchSize);
        var health = await Grpc.UnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser, Ct);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        var index = await Grpc.UnaryAsync("RepositoryIndex", new RepositoryIndexRequest { Ready = true }, RepositoryIndexResponse.Parser, Ct);
        Assert.Equal(["ensemble_add", "nobatch", "simple", "slow"], index.Models.Select(m => m.Name));
    }

    [Fact]
    public async Task ModelInfer_RawContents_ComputesOutputs()
    {
        var response = await Grpc.ModelInferAsync(GrpcRequests.Arith("simple", [1, 2, 3, 4], [4, 3, 2, 1], "abc"), Ct);
        Assert.Equal("abc", response.Id);
        Assert.Equal("1", response.ModelVersion);
        Assert.Equal([5f, 5f, 5f, 5f], GrpcRequests.Output(response, "OUTPUT0"));
        Assert.Equal([-3f, -1f, 1f, 3f], GrpcRequests.Output(response, "OUTPUT1"));
        Assert.Equal([1L, 4L], response.Outputs[0].Shape);
    }

    [Fact]
    public async Task ModelInfer_TypedContents_AreAccepted()
    {
        var request = new ModelInferRequest { ModelName = "nobatch" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "INPUT0", Datatype = "FP32", Shape = { 4 }, Contents = new InferTensorContents { Fp32Contents = { 1, 2, 3, 4 } } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "INPUT1", Datatype = "FP32", Shape = { 4 }, Contents = new InferTensorContents { Fp32Contents = { 1, 1, 1, 1 } } });
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "OUTPUT1" });
        var response = await Grpc.ModelInferAsync(request, Ct);
        Assert.Single(response.Outputs);
        Assert.Equal([0f, 1f, 2f, 3f], GrpcRequests.Output(response, "OUTPUT1"));
    }

    [Fact]
    public async Task ModelStreamInfer_AnswersEveryRequest_ErrorsInline()
    {
        var requests = Enumerable.Range(0, 20)
            .Select(i => GrpcRequests.Arith("simple", [i, i, i, i], [1, 2, 3, 4], id: "s" + i))
            .Append(GrpcRequests.Arith("nope", [1, 2, 3, 4], [1, 2, 3, 4], id: "bad"))
            .ToArray();
        var responses = await Grpc.StreamInferAsync(requests, Ct);
        Assert.Equal(21, responses.Count);
        var bad = responses.Single(r => r.InferResponse.Id == "bad");
        Assert.Contains("unknown model", bad.ErrorMessage, StringComparison.Ordinal);
        foreach (var response in responses.Where(r => r.InferResponse.Id != "bad"))
        {
            Assert.Equal(string.Empty, response.ErrorMessage);
            var i = int.Parse(response.InferResponse.Id[1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal([i + 1f, i + 2f, i + 3f, i + 4f], GrpcRequests.Output(response.InferResponse, "OUTPUT0"));
        }
    }

    public static TheoryData<string, int> BadInferRequests => new()
    {
        { "unknown model", 5 },
        { "unknown version", 5 },
        { "wrong datatype", 3 },
        { "wrong shape", 3 },
        { "missing input", 3 },
        { "raw size mismatch", 3 },
        { "batch above max", 3 },
        { "huge shape", 3 },
        { "raw count mismatch", 3 },
    };

    [Theory]
    [MemberData(nameof(BadInferRequests))]
    public async Task ModelInfer_BadRequest_GetsGrpcStatus_AndServerStaysLive(string label, int expectedStatus)
    {
        var request = GrpcRequests.Arith("simple", [1, 2, 3, 4], [1, 2, 3, 4]);
        switch (label)
        {
            case "unknown model": request.ModelName = "nope"; break;
            case "unknown version": request.ModelVersion = "42"; break;
            case "wrong datatype": request.Inputs[1].Datatype = "INT32"; break;
            case "wrong shape": request.Inputs[0].Shape[1] = 2; request.Inputs[1].Shape[1] = 2; break;
            case "missing input": request.Inputs.RemoveAt(1); request.RawInputContents.RemoveAt(1); break;
            case "raw size mismatch": request.RawInputContents[0] = Google.Protobuf.ByteString.CopyFrom(new byte[10]); break;
            case "batch above max": request = GrpcRequests.Arith("simple", new float[40], new float[40], batch: 10); break;
            case "huge shape": request.Inputs[0].Shape.Clear(); request.Inputs[0].Shape.Add([1L << 40, 1L << 40]); break;
            case "raw count mismatch": request.RawInputContents.RemoveAt(1); break;
        }

        var error = await Assert.ThrowsAsync<GrpcCallException>(() => Grpc.ModelInferAsync(request, Ct));
        Assert.True(expectedStatus == error.Status, $"{label}: expected status {expectedStatus}, got {error.Status} ({error.StatusMessage})");
        Assert.NotEmpty(error.StatusMessage);
        var ok = await Grpc.ModelInferAsync(GrpcRequests.Arith("simple", [1, 2, 3, 4], [1, 2, 3, 4]), Ct);
        Assert.Equal([2f, 4f, 6f, 8f], GrpcRequests.Output(ok, "OUTPUT0"));
    }

    [Fact]
    public async Task UnknownMethod_IsUnimplemented()
    {
        var error = await Assert.ThrowsAsync<GrpcCallException>(() => Grpc.UnaryAsync("NoSuchRpc", new ServerLiveRequest(), ServerLiveResponse.Parser, Ct));
        Assert.Equal(12, error.Status);
    }

    [Fact]
    public async Task Statistics_MatchRequestsSent()
    {
        for (var i = 0; i < 5; i++)
        {
            await Grpc.ModelInferAsync(GrpcRequests.Arith("simple", [1, 2, 3, 4], [1, 2, 3, 4], batch: 1), Ct);
        }

        await Grpc.ModelInferAsync(GrpcRequests.Arith("simple", new float[12], new float[12], batch: 3), Ct);
        var stats = await Grpc.UnaryAsync("ModelStatistics", new ModelStatisticsRequest { Name = "simple" }, ModelStatisticsResponse.Parser, Ct);
        var model = stats.ModelStats.Single();
        Assert.Equal(6UL, model.InferenceStats.Success.Count);
        Assert.Equal(8UL, model.InferenceCount);
        Assert.Equal((ulong)_server.Log.Executions.Count, model.ExecutionCount);
        Assert.Equal(8L, _server.Log.Executions.Sum(e => e.Images));
    }
}
