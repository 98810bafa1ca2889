using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>KServe v2 HTTP/REST over a real loopback socket with HttpClient.</summary>
public sealed class HttpProtocolTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Http => _server.Http;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_LiveAndReady_Return200()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/health/live", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/health/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/models/simple/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/models/simple/versions/1/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/v2/models/simple/versions/7/ready", Ct)).StatusCode);
    }

    [Fact]
    public async Task ServerMetadata_ListsExtensions()
    {
        var body = JsonNode.Parse(await Http.GetStringAsync("/v2", Ct))!;
        Assert.Equal("detserve", body["name"]!.GetValue<string>());
        var extensions = body["extensions"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray();
        Assert.Contains("binary_tensor_data", extensions);
        Assert.Contains("model_repository", extensions);
        Assert.Contains("statistics", extensions);
    }

    [Fact]
    public async Task ModelMetadata_HasBatchDimensionAndDatatypes()
    {
        var body = JsonNode.Parse(await Http.GetStringAsync("/v2/models/simple", Ct))!;
        Assert.Equal("simple", body["name"]!.GetValue<string>());
        Assert.Equal("test_arith", body["platform"]!.GetValue<string>());
        Assert.Equal(["1"], body["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        var input = body["inputs"]![0]!;
        Assert.Equal("INPUT0", input["name"]!.GetValue<string>());
        Assert.Equal("FP32", input["datatype"]!.GetValue<string>());
        Assert.Equal([-1L, 4L], input["shape"]!.AsArray().Select(v => v!.GetValue<long>()));
    }

    [Fact]
    public async Task ModelConfig_IsJsonWithNumbersAndCompletedFields()
    {
        var body = JsonNode.Parse(await Http.GetStringAsync("/v2/models/simple/config", Ct))!;
        Assert.Equal(8, body["max_batch_size"]!.GetValue<int>());
        Assert.Equal([4L], body["input"]![0]!["dims"]!.AsArray().Select(v => v!.GetValue<long>()));
        Assert.Equal(2000L, body["dynamic_batching"]!["max_queue_delay_microseconds"]!.GetValue<long>());
        Assert.Equal("KIND_CPU", body["instance_group"]![0]!["kind"]!.GetValue<string>());

        // nobatch had only "backend" in config.pbtxt: name, inputs and outputs were completed.
        var completed = JsonNode.Parse(await Http.GetStringAsync("/v2/models/nobatch/config", Ct))!;
        Assert.Equal("nobatch", completed["name"]!.GetValue<string>());
        Assert.Equal(2, completed["input"]!.AsArray().Count);
        Assert.Equal(1, completed["version_policy"]!["latest"]!["num_versions"]!.GetValue<int>());
    }

    [Fact]
    public async Task Infer_Json_ComputesOutputs()
    {
        var request = InferJson.Request([1, 2, 3, 4], [10, 20, 30, 40], id: "req-7");
        using var response = await Http.PostAsync("/v2/models/simple/infer", InferJson.Content(request), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("simple", body["model_name"]!.GetValue<string>());
        Assert.Equal("1", body["model_version"]!.GetValue<string>());
        Assert.Equal("req-7", body["id"]!.GetValue<string>());
        var outputs = body["outputs"]!.AsArray();
        Assert.Equal([11f, 22f, 33f, 44f], InferJson.Floats(outputs.Single(o => o!["name"]!.GetValue<string>() == "OUTPUT0")!["data"]));
        Assert.Equal([-9f, -18f, -27f, -36f], InferJson.Floats(outputs.Single(o => o!["name"]!.GetValue<string>() == "OUTPUT1")!["data"]));
    }

    [Fact]
    public async Task Infer_NestedJsonData_IsFlattenedRowMajor()
    {
        var request = JsonNode.Parse("""
            {"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[2,4],"data":[[1,2,3,4],[5,6,7,8]]},
                       {"name":"INPUT1","datatype":"FP32","shape":[2,4],"data":[[1,1,1,1],[2,2,2,2]]}],
             "outputs":[{"name":"OUTPUT0"}]}
            """)!;
        using var response = await Http.PostAsync("/v2/models/simple/infer", InferJson.Content(request), Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        var output = body["outputs"]!.AsArray().Single()!;
        Assert.Equal([2L, 4L], output["shape"]!.AsArray().Select(v => v!.GetValue<long>()));
        Assert.Equal([2f, 3f, 4f, 5f, 7f, 8f, 9f, 10f], InferJson.Floats(output["data"]));
    }

    [Fact]
    public async Task Infer_BinaryInputsAndOutputs_RoundTrip()
    {
        float[] a = [1.5f, -2f, 3.25f, 0f];
        float[] b = [0.5f, 2f, -1f, 7f];
        var header = JsonNode.Parse("""
            {"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16}},
                       {"name":"INPUT1","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16}}],
             "outputs":[{"name":"OUTPUT1","parameters":{"binary_data":true}},{"name":"OUTPUT0","parameters":{"binary_data":false}}]}
            """)!;
        using var response = await Http.PostAsync("/v2/models/simple/infer", InferJson.Binary(header, MemoryMarshal.AsBytes(a.AsSpan()).ToArray(), MemoryMarshal.AsBytes(b.AsSpan()).ToArray()), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headerLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        var json = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 0, headerLength))!;
        var outputs = json["outputs"]!.AsArray();
        Assert.Equal("OUTPUT1", outputs[0]!["name"]!.GetValue<string>());
        Assert.Equal(16, outputs[0]!["parameters"]!["binary_data_size"]!.GetValue<int>());
        var diff = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(headerLength, 16)).ToArray();
        Assert.Equal([1f, -4f, 4.25f, -7f], diff);
        Assert.Equal([2f, 0f, 2.25f, 7f], InferJson.Floats(outputs[1]!["data"]));
    }

    [Fact]
    public async Task Infer_Ensemble_RunsStepsInOrder()
    {
        var request = JsonNode.Parse("""
            {"inputs":[{"name":"IN0","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]},
                       {"name":"IN1","datatype":"FP32","shape":[1,4],"data":[10,10,10,10]}]}
            """)!;
        using var response = await Http.PostAsync("/v2/models/ensemble_add/infer", InferJson.Content(request), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        var output = body["outputs"]!.AsArray().Single()!;
        Assert.Equal("OUT", output["name"]!.GetValue<string>());
        Assert.Equal([21f, 22f, 23f, 24f], InferJson.Floats(output["data"]));
    }

    public static TheoryData<string, string, string, HttpStatusCode, string> BadRequests => new()
    {
        { "unknown model", "/v2/models/nope/infer", """{"inputs":[]}""", HttpStatusCode.NotFound, "unknown model" },
        { "unknown version", "/v2/models/simple/versions/9/infer", Valid, HttpStatusCode.NotFound, "version 9" },
        { "malformed JSON", "/v2/models/simple/infer", """{"inputs":[{"name":""", HttpStatusCode.BadRequest, "failed to parse" },
        { "JSON not an object", "/v2/models/simple/infer", "[1,2]", HttpStatusCode.BadRequest, "must be an object" },
        { "wrong datatype", "/v2/models/simple/infer", Valid.Replace("\"FP32\"", "\"INT32\"", StringComparison.Ordinal), HttpStatusCode.BadRequest, "data-type is 'INT32'" },
        { "invalid datatype", "/v2/models/simple/infer", Valid.Replace("\"FP32\"", "\"FLOAT\"", StringComparison.Ordinal), HttpStatusCode.BadRequest, "invalid datatype" },
        { "wrong shape", "/v2/models/simple/infer", """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"INPUT1","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}""", HttpStatusCode.BadRequest, "unexpected shape" },
        { "data does not match shape", "/v2/models/simple/infer", """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[1,2,3]},{"name":"INPUT1","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""", HttpStatusCode.BadRequest, "'data' holds 3" },
        { "missing input", "/v2/models/simple/infer", """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""", HttpStatusCode.BadRequest, "missing required input(s) ['INPUT1']" },
        { "unknown input", "/v2/models/simple/infer", Valid.Replace("\"INPUT1\"", "\"INPUTX\"", StringComparison.Ordinal), HttpStatusCode.BadRequest, "unexpected inference input 'INPUTX'" },
        { "unknown output", "/v2/models/simple/infer", Valid.Replace("]}", "],\"outputs\":[{\"name\":\"NOPE\"}]}", StringComparison.Ordinal), HttpStatusCode.BadRequest, "unexpected inference output 'NOPE'" },
        { "batch above max_batch_size", "/v2/models/simple/infer", Batch(9), HttpStatusCode.BadRequest, "batch-size must be <= 8" },
        { "shape too large to allocate", "/v2/models/simple/infer", """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[4611686018427387904,4611686018427387904],"data":[1]},{"name":"INPUT1","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""", HttpStatusCode.BadRequest, "more elements than can be addressed" },
        { "huge shape with little data", "/v2/models/simple/infer", """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1000000000,1000000000],"data":[1]},{"name":"INPUT1","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""", HttpStatusCode.BadRequest, "'data' holds 1" },
        { "string where number expected", "/v2/models/simple/infer", Valid.Replace("[1,2,3,4]", "[\"a\",2,3,4]", StringComparison.Ordinal), HttpStatusCode.BadRequest, "not a valid FP32" },
        { "deeply nested JSON", "/v2/models/simple/infer", new string('[', 500) + new string(']', 500), HttpStatusCode.BadRequest, "failed to parse" },
        { "unknown route", "/v2/nothing/here", "{}", HttpStatusCode.NotFound, "Not Found" },
        { "per-request backend error", "/v2/models/simple/infer", Valid.Replace("[1,2,3,4]", "[-999,2,3,4]", StringComparison.Ordinal), HttpStatusCode.BadRequest, "-999" },
    };

    private const string Valid = """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]},{"name":"INPUT1","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""";

    private static string Batch(int n)
    {
        var data = string.Join(",", Enumerable.Repeat("1", n * 4));
        return $$"""{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[{{n}},4],"data":[{{data}}]},{"name":"INPUT1","datatype":"FP32","shape":[{{n}},4],"data":[{{data}}]}]}""";
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_GetsProtocolError_AndServerStaysLive(string label, string path, string body, HttpStatusCode expected, string messagePart)
    {
        using var response = await Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.True(expected == response.StatusCode, $"{label}: expected {expected}, got {response.StatusCode}");
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!.GetValue<string>();
        Assert.Contains(messagePart, error, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task BadRequest_TruncatedBinaryPayload_IsRejected()
    {
        var header = JsonNode.Parse("""
            {"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16}},
                       {"name":"INPUT1","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16}}]}
            """)!;
        using var response = await Http.PostAsync("/v2/models/simple/infer", InferJson.Binary(header, new byte[16], new byte[9]), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("truncated", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        var badLength = new ByteArrayContent(Encoding.UTF8.GetBytes("{}"));
        badLength.Headers.Add("Inference-Header-Content-Length", "4000");
        using var second = await Http.PostAsync("/v2/models/simple/infer", badLength, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task BadRequest_BinarySizeNotMatchingShape_IsRejected()
    {
        var header = JsonNode.Parse("""
            {"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":12}},
                       {"name":"INPUT1","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16}}]}
            """)!;
        using var response = await Http.PostAsync("/v2/models/simple/infer", InferJson.Binary(header, new byte[12], new byte[16]), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("input byte size mismatch", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Infer_GzipBody_IsInflated_CorruptOneRejected()
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(Valid), Ct);
        }

        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await Http.PostAsync("/v2/models/simple/infer", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var corrupt = new ByteArrayContent([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]);
        corrupt.Headers.ContentEncoding.Add("gzip");
        using var rejected = await Http.PostAsync("/v2/models/simple/infer", corrupt, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Repository_Index_ListsModelsWithState()
    {
        using var response = await Http.PostAsync("/v2/repository/index", new StringContent("{}"), Ct);
        var rows = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsArray();
        var simple = rows.Single(r => r!["name"]!.GetValue<string>() == "simple")!;
        Assert.Equal("1", simple["version"]!.GetValue<string>());
        Assert.Equal("READY", simple["state"]!.GetValue<string>());
        Assert.Equal(4, rows.Count);
    }

    [Fact]
    public async Task Repository_LoadUnload_RefusedInModeNone()
    {
        using var response = await Http.PostAsync("/v2/repository/models/simple/unload", new StringContent(string.Empty), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("not allowed", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statistics_CountSuccessesFailuresAndExecutions()
    {
        for (var i = 0; i < 3; i++)
        {
            using var ok = await Http.PostAsync("/v2/models/nobatch/infer", InferJson.Content(JsonNode.Parse(Valid.Replace("[1,4]", "[4]", StringComparison.Ordinal))!), Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var bad = await Http.PostAsync("/v2/models/nobatch/infer", new StringContent(Valid), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var stats = JsonNode.Parse(await Http.GetStringAsync("/v2/models/nobatch/stats", Ct))!["model_stats"]![0]!;
        Assert.Equal("nobatch", stats["name"]!.GetValue<string>());
        Assert.Equal(3, stats["inference_count"]!.GetValue<long>());
        Assert.Equal(3, stats["execution_count"]!.GetValue<long>());
        Assert.Equal(3, stats["inference_stats"]!["success"]!["count"]!.GetValue<long>());
        Assert.Equal(1, stats["inference_stats"]!["fail"]!["count"]!.GetValue<long>());
        Assert.Equal(3, stats["inference_stats"]!["queue"]!["count"]!.GetValue<long>());
        Assert.True(stats["inference_stats"]!["success"]!["ns"]!.GetValue<long>() > 0);
        Assert.Equal(1, stats["batch_stats"]![0]!["batch_size"]!.GetValue<long>());
        Assert.Equal(3, stats["batch_stats"]![0]!["compute_infer"]!["count"]!.GetValue<long>());
    }

    private async Task AssertStillServingAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/health/live", Ct)).StatusCode);
        using var response = await Http.PostAsync("/v2/models/simple/infer", new StringContent(Valid), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
