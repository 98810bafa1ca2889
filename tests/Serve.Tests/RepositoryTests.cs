using System.Net;
using System.Text.Json.Nodes;
using Detserve.Serve.Core;
using Detserve.Serve.Hosting;
using Detserve.Serve.Protocol;
using Detserve.Serve.Repository;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>Model control modes (explicit, poll), version policies, config auto-complete and load errors.</summary>
public sealed class RepositoryTests
{
    private const string Valid = """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]},{"name":"INPUT1","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExplicitMode_LoadsOnlyNamedModels_AndObeysLoadUnload()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelControlMode = ModelControlMode.Explicit, LoadModels = ["simple"] });
        var http = server.Http;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/models/simple/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v2/models/nobatch/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/health/ready", Ct)).StatusCode);

        using (var load = await http.PostAsync("/v2/repository/models/nobatch/load", new StringContent(string.Empty), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/models/nobatch/ready", Ct)).StatusCode);
        using (var unload = await http.PostAsync("/v2/repository/models/simple/unload", new StringContent(string.Empty), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, unload.StatusCode);
        }

        using (var infer = await http.PostAsync("/v2/models/simple/infer", new StringContent(Valid), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, infer.StatusCode);
        }

        var index = JsonNode.Parse(await (await http.PostAsync("/v2/repository/index", new StringContent(string.Empty), Ct)).Content.ReadAsStringAsync(Ct))!.AsArray();
        var simple = index.Single(r => r!["name"]!.GetValue<string>() == "simple")!;
        Assert.Equal("UNAVAILABLE", simple["state"]!.GetValue<string>());
        Assert.Equal("unloaded", simple["reason"]!.GetValue<string>());

        using var missing = await http.PostAsync("/v2/repository/models/does_not_exist/load", new StringContent(string.Empty), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/health/ready", Ct)).StatusCode);
    }

    [Fact]
    public async Task ExplicitMode_BrokenConfig_LoadFailsWithReason()
    {
        var repository = TestRepository.Standard();
        repository.AddModel("broken", "max_batch_size: 8\ninput [ { name: \"a\" data_type: TYPE_NOPE } ]", 1);
        await using var server = await TestServer.StartAsync(repository, o => o with { ModelControlMode = ModelControlMode.Explicit });
        using var load = await server.Http.PostAsync("/v2/repository/models/broken/load", new StringContent(string.Empty), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, load.StatusCode);
        var error = JsonNode.Parse(await load.Content.ReadAsStringAsync(Ct))!["error"]!.GetValue<string>();
        Assert.Contains("config.pbtxt:2:", error, StringComparison.Ordinal);
        Assert.Contains("TYPE_NOPE", error, StringComparison.Ordinal);
        var index = await server.Grpc.UnaryAsync("RepositoryIndex", new RepositoryIndexRequest(), RepositoryIndexResponse.Parser, Ct);
        var broken = index.Models.Single(m => m.Name == "broken");
        Assert.Equal("UNAVAILABLE", broken.State);
        Assert.Contains("TYPE_NOPE", broken.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollMode_FollowsTheRepositoryOnDisk()
    {
        var repository = new TestRepository();
        repository.AddModel("simple", TestRepository.Simple, 1);
        await using var server = await TestServer.StartAsync(repository, o => o with { ModelControlMode = ModelControlMode.Poll, RepositoryPollSeconds = 3600 });
        var manager = server.Server.Service.Repository;
        repository.AddModel("added", TestRepository.NoBatch, 1);
        await manager.PollOnceAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/v2/models/added/ready", Ct)).StatusCode);

        repository.AddVersion("simple", 2);
        await manager.PollOnceAsync(Ct);
        var metadata = JsonNode.Parse(await server.Http.GetStringAsync("/v2/models/simple", Ct))!;
        Assert.Equal(["2"], metadata["versions"]!.AsArray().Select(v => v!.GetValue<string>()));

        Directory.Delete(Path.Combine(repository.Root, "added"), recursive: true);
        await manager.PollOnceAsync(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.GetAsync("/v2/models/added/ready", Ct)).StatusCode);
        using var unload = await server.Http.PostAsync("/v2/repository/models/simple/unload", new StringContent(string.Empty), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unload.StatusCode);
    }

    [Fact]
    public async Task VersionPolicies_SelectVersions()
    {
        var repository = new TestRepository();
        repository.AddModel("latest2", TestRepository.NoBatch + "\nversion_policy { latest { num_versions: 2 } }", 1, 2, 3);
        repository.AddModel("all", TestRepository.NoBatch + "\nversion_policy: { all {} }", 1, 2, 3);
        repository.AddModel("specific", TestRepository.NoBatch + "\nversion_policy { specific { versions: [1, 3] } }", 1, 2, 3);
        repository.AddModel("default", TestRepository.NoBatch, 1, 2, 3);
        await using var server = await TestServer.StartAsync(repository);
        async Task<string[]> Versions(string model) =>
            JsonNode.Parse(await server.Http.GetStringAsync($"/v2/models/{model}", Ct))!["versions"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
        Assert.Equal(["2", "3"], await Versions("latest2"));
        Assert.Equal(["1", "2", "3"], await Versions("all"));
        Assert.Equal(["1", "3"], await Versions("specific"));
        Assert.Equal(["3"], await Versions("default"));
        using var v2 = await server.Http.PostAsync("/v2/models/specific/versions/2/infer", new StringContent(Valid.Replace("[1,4]", "[4]", StringComparison.Ordinal)), Ct);
        Assert.Equal(HttpStatusCode.NotFound, v2.StatusCode);
        using var v3 = await server.Http.PostAsync("/v2/models/specific/versions/3/infer", new StringContent(Valid.Replace("[1,4]", "[4]", StringComparison.Ordinal)), Ct);
        Assert.Equal(HttpStatusCode.OK, v3.StatusCode);
        Assert.Equal("3", JsonNode.Parse(await v3.Content.ReadAsStringAsync(Ct))!["model_version"]!.GetValue<string>());
    }

    [Fact]
    public void ConfigLoader_MissingConfig_IsCompletedFromTheRecognizingBackend()
    {
        using var repository = new TestRepository();
        repository.AddModel("bare", null, 4);
        var loader = new ModelConfigLoader(new Dictionary<string, Backends.IModelBackend> { ["test_arith"] = new ArithmeticBackend(new BatchLog()) }, [], strict: false);
        var (config, backend) = loader.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "bare")));
        Assert.Equal("bare", config.Name);
        Assert.Equal("test_arith", config.Backend);
        Assert.Equal("test_arith", backend!.Name);
        Assert.Equal(["INPUT0", "INPUT1"], config.Input.Select(i => i.Name));
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup.Single().Kind);

        var strict = new ModelConfigLoader(new Dictionary<string, Backends.IModelBackend>(), [], strict: true);
        Assert.Throws<ServeException>(() => strict.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "bare"))));
    }

    [Fact]
    public void ConfigLoader_GpuGroupWithoutGpus_IsRejected()
    {
        using var repository = new TestRepository();
        repository.AddModel("gpu", TestRepository.NoBatch + "\ninstance_group [ { kind: KIND_GPU gpus: [ 3 ] } ]", 1);
        var loader = new ModelConfigLoader(new Dictionary<string, Backends.IModelBackend> { ["test_arith"] = new ArithmeticBackend(new BatchLog()) }, [0], strict: false);
        var error = Assert.Throws<ServeException>(() => loader.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "gpu"))));
        Assert.Contains("invalid or unsupported gpu id 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warmup_RunsBeforeTheModelIsReady()
    {
        var repository = new TestRepository();
        repository.AddModel("warm", TestRepository.Simple.Replace("name: \"simple\"", string.Empty, StringComparison.Ordinal) + """
            model_warmup [ {
              name: "zeros"
              batch_size: 2
              count: 3
              inputs { key: "INPUT0" value: { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } }
              inputs { key: "INPUT1" value: { data_type: TYPE_FP32 dims: [ 4 ] random_data: true } }
            } ]
            """, 1);
        await using var server = await TestServer.StartAsync(repository);
        // Two instances, each warmed up three times with a batch of 2, before the first request.
        Assert.Equal(6, server.Log.Executions.Count);
        Assert.All(server.Log.Executions, e => Assert.Equal(2L, e.Images));
        var stats = JsonNode.Parse(await server.Http.GetStringAsync("/v2/models/warm/stats", Ct))!["model_stats"]![0]!;
        Assert.Equal(0, stats["execution_count"]!.GetValue<long>());
    }
}
