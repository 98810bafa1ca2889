using System.Net;
using System.Text.Json.Nodes;
using Detserve.Backends.Cuda.Native;
using Detserve.Serve.Backends;
using Detserve.Serve.Backends.Detectron;
using Detserve.Serve.Core;
using Detserve.Serve.Hosting;
using Detserve.Serve.Protocol;
using Detserve.Serve.Repository;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>
/// Instance groups on GPUs: KIND_GPU gpus [N] runs the Detectron backend on cuda:N with the model's precision parameter, KIND_AUTO
/// becomes KIND_GPU only where the CUDA backend finds a device, and a KIND_GPU model on a machine without one fails alone.
/// </summary>
public sealed class GpuInstanceGroupTests
{
    private const string Valid = """{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]},{"name":"INPUT1","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string SampleModel => Path.Combine(SampleServerFixture.Samples, "mask_rcnn_R_50_FPN_narrow");

    [Fact]
    public async Task KindGpuWithoutAGpu_FailsThatModelAsUnavailableNamingTheDriver_AndTheOthersServe()
    {
        if (new CudaGpuProbe().Detect().Devices.Count > 0)
        {
            Assert.Skip("this machine has a GPU: the no-driver path cannot be shown here");
        }

        var repository = TestRepository.Standard();
        repository.AddModel("mask_rcnn_gpu", GpuModelConfig("fp16"));
        Directory.CreateDirectory(Path.Combine(repository.Root, "mask_rcnn_gpu", "1"));
        // GpuDeviceIds left null: the server asks the CUDA backend, as `detserve serve` does.
        await using var server = await TestServer.StartAsync(repository, o => o with { Backends = [.. o.Backends, new DetectronBackend()] });
        var http = server.Http;

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/health/live", Ct)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await http.GetAsync("/v2/models/mask_rcnn_gpu/ready", Ct)).StatusCode);
        var index = JsonNode.Parse(await (await http.PostAsync("/v2/repository/index", new StringContent("{}"), Ct)).Content.ReadAsStringAsync(Ct))!.AsArray();
        var gpu = index.Single(r => r!["name"]!.GetValue<string>() == "mask_rcnn_gpu")!;
        Assert.Equal("UNAVAILABLE", gpu["state"]!.GetValue<string>());
        var reason = gpu["reason"]!.GetValue<string>();
        Assert.Contains("KIND_GPU", reason, StringComparison.Ordinal);
        Assert.Contains("no CUDA driver found: libcuda.so.1", reason, StringComparison.Ordinal);

        // The same over gRPC, and the other models are untouched.
        var grpcIndex = await server.Grpc.UnaryAsync("RepositoryIndex", new RepositoryIndexRequest(), RepositoryIndexResponse.Parser, Ct);
        Assert.Contains("libcuda.so.1", grpcIndex.Models.Single(m => m.Name == "mask_rcnn_gpu").Reason, StringComparison.Ordinal);
        Assert.Equal("READY", grpcIndex.Models.Single(m => m.Name == "simple").State);
        using var infer = await http.PostAsync("/v2/models/simple/infer", new StringContent(Valid), Ct);
        Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/health/live", Ct)).StatusCode);
    }

    [Fact]
    public async Task KindGpuOnAGpuTheDriverCannotOpen_FailsThatModelAtInstanceCreationNamingTheDriver()
    {
        if (CudaLibraryResolver.TryFindDriver(CudaLibraryOptions.Default, out var driver))
        {
            Assert.Skip($"this machine has a CUDA driver ({driver})");
        }

        // GPU 0 declared by the operator although this machine has no driver: the config passes, the Detectron instance on cuda:0
        // cannot be created, and the reason comes from the engine.
        var repository = new TestRepository();
        repository.AddModel("simple", TestRepository.Simple, 1);
        repository.AddModel("mask_rcnn_gpu", GpuModelConfig("fp32"));
        Directory.CreateDirectory(Path.Combine(repository.Root, "mask_rcnn_gpu", "1"));
        await using var server = await TestServer.StartAsync(repository, o => o with { GpuDeviceIds = [0], Backends = [.. o.Backends, new DetectronBackend()] });
        var index = await server.Grpc.UnaryAsync("RepositoryIndex", new RepositoryIndexRequest(), RepositoryIndexResponse.Parser, Ct);
        var gpu = index.Models.Single(m => m.Name == "mask_rcnn_gpu");
        Assert.Equal("UNAVAILABLE", gpu.State);
        Assert.Contains("instance 'mask_rcnn_gpu_0_gpu0'", gpu.Reason, StringComparison.Ordinal);
        Assert.Contains("device 'cuda:0': no CUDA driver found: libcuda.so.1", gpu.Reason, StringComparison.Ordinal);
        using var infer = await server.Http.PostAsync("/v2/models/simple/infer", new StringContent(Valid), Ct);
        Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
    }

    [Fact]
    public void CudaProbe_WithoutADriver_FailsSoftWithTheReason()
    {
        var probe = new CudaGpuProbe();
        if (CudaLibraryResolver.TryFindDriver(CudaLibraryOptions.Default, out var driver))
        {
            Assert.Skip($"this machine has a CUDA driver ({driver})");
        }

        var inventory = probe.Detect();
        Assert.Empty(inventory.Devices);
        Assert.Empty(inventory.DeviceIds);
        Assert.StartsWith("no CUDA driver found: libcuda.so.1 could not be loaded from any of [/usr/local/cuda/lib64", inventory.NoGpuReason, StringComparison.Ordinal);
    }

    [Fact]
    public void KindAuto_IsCpuWithoutGpus_AndGpuOnEveryGpuFound()
    {
        using var repository = new TestRepository();
        repository.AddModel("auto", TestRepository.NoBatch + "\ninstance_group [ { count: 2 kind: KIND_AUTO } ]", 1);
        var backends = new Dictionary<string, IModelBackend> { ["test_arith"] = new ArithmeticBackend(new BatchLog()) };

        var (cpu, _) = new ModelConfigLoader(backends, [], strict: false, "no CUDA driver found").Load(ModelDirectory.Scan(Path.Combine(repository.Root, "auto")));
        var cpuGroup = Assert.Single(cpu.InstanceGroup);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, cpuGroup.Kind);
        Assert.Empty(cpuGroup.Gpus);

        var (gpu, _) = new ModelConfigLoader(backends, [0, 1], strict: false).Load(ModelDirectory.Scan(Path.Combine(repository.Root, "auto")));
        var gpuGroup = Assert.Single(gpu.InstanceGroup);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Gpu, gpuGroup.Kind);
        Assert.Equal([0, 1], gpuGroup.Gpus);
        Assert.Equal(2, gpuGroup.Count);
    }

    [Fact]
    public void KindGpu_WithoutGpus_TheLoadErrorCarriesTheProbeReason()
    {
        using var repository = new TestRepository();
        repository.AddModel("listed", TestRepository.NoBatch + "\ninstance_group [ { kind: KIND_GPU gpus: [ 0 ] } ]", 1);
        repository.AddModel("unlisted", TestRepository.NoBatch + "\ninstance_group [ { kind: KIND_GPU } ]", 1);
        var backends = new Dictionary<string, IModelBackend> { ["test_arith"] = new ArithmeticBackend(new BatchLog()) };
        var loader = new ModelConfigLoader(backends, [], strict: false, "no CUDA driver found: libcuda.so.1 could not be loaded");

        var listed = Assert.Throws<ServeException>(() => loader.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "listed"))));
        Assert.Equal(ServeErrorCode.InvalidArgument, listed.Code);
        Assert.EndsWith("instance_group 'listed' specifies invalid or unsupported gpu id 0; GPUs available: none (no CUDA driver found: libcuda.so.1 could not be loaded)", listed.Message, StringComparison.Ordinal);

        var unlisted = Assert.Throws<ServeException>(() => loader.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "unlisted"))));
        Assert.EndsWith("instance_group 'unlisted' is KIND_GPU but no GPU is available (no CUDA driver found: libcuda.so.1 could not be loaded)", unlisted.Message, StringComparison.Ordinal);

        var twoGpus = new ModelConfigLoader(backends, [0, 1], strict: false);
        repository.AddModel("third", TestRepository.NoBatch + "\ninstance_group [ { kind: KIND_GPU gpus: [ 2 ] } ]", 1);
        var third = Assert.Throws<ServeException>(() => twoGpus.Load(ModelDirectory.Scan(Path.Combine(repository.Root, "third"))));
        Assert.EndsWith("specifies invalid or unsupported gpu id 2; GPUs available: 0, 1", third.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitGpuDeviceIds_AreTrustedWithoutProbing()
    {
        var repository = new TestRepository();
        repository.AddModel("simple", TestRepository.Simple, 1);
        await using var server = await TestServer.StartAsync(repository, o => o with { GpuDeviceIds = [], GpuProbe = new ThrowingProbe() });
        var gpus = server.Server.Service.Repository.Gpus;
        Assert.Empty(gpus.Devices);
        Assert.Equal("the server was started with no GPU device ids", gpus.NoGpuReason);
    }

    [Fact]
    public async Task TheProbeOfTheOptionsDecidesKindAuto()
    {
        var repository = new TestRepository();
        repository.AddModel("auto", TestRepository.NoBatch + "\ninstance_group [ { kind: KIND_AUTO } ]", 1);
        await using var server = await TestServer.StartAsync(repository, o => o with { GpuProbe = new FixedProbe(new GpuInventory([], "no CUDA driver found (test)")) });
        var manager = server.Server.Service.Repository;
        Assert.Equal("no CUDA driver found (test)", manager.Gpus.NoGpuReason);
        var config = Assert.Single(manager.LoadedVersions("auto")).Config;
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup.Single().Kind);
    }

    [Theory]
    [InlineData(ModelInstanceGroup.Types.Kind.Gpu, 1, "fp16", null, "cuda:1", 0, "fp16")]
    [InlineData(ModelInstanceGroup.Types.Kind.Gpu, 0, null, null, "cuda:0", 0, "fp32")]
    [InlineData(ModelInstanceGroup.Types.Kind.Gpu, 3, "fp32", null, "cuda:3", 0, "fp32")]
    [InlineData(ModelInstanceGroup.Types.Kind.Cpu, -1, null, "2", "cpu", 2, "fp32")]
    [InlineData(ModelInstanceGroup.Types.Kind.Cpu, -1, "fp32", null, "cpu", 0, "fp32")]
    public void PredictorOptions_FollowTheGroupAndTheParameters(ModelInstanceGroup.Types.Kind kind, int deviceId, string? precision, string? threads,
        string device, int expectedThreads, string expectedPrecision)
    {
        var options = DetectronBackend.PredictorOptionsFor(Context(kind, deviceId, precision, threads));
        Assert.Equal(new Runtime.PredictorOptions(device, expectedThreads, expectedPrecision), options);
    }

    [Theory]
    [InlineData(ModelInstanceGroup.Types.Kind.Cpu, "fp16", null, "parameter precision 'fp16' needs a KIND_GPU instance group")]
    [InlineData(ModelInstanceGroup.Types.Kind.Gpu, "bf16", null, "parameter precision 'bf16' must be fp32 or fp16")]
    [InlineData(ModelInstanceGroup.Types.Kind.Cpu, null, "many", "parameter threads 'many' must be a non-negative integer")]
    public void PredictorOptions_RejectBadParametersNamingThem(ModelInstanceGroup.Types.Kind kind, string? precision, string? threads, string expected)
    {
        var error = Assert.Throws<ServeException>(() => DetectronBackend.PredictorOptionsFor(Context(kind, kind == ModelInstanceGroup.Types.Kind.Gpu ? 0 : -1, precision, threads)));
        Assert.Equal(ServeErrorCode.InvalidArgument, error.Code);
        Assert.StartsWith("model 'm' instance 'm_0': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ModelInstanceContext Context(ModelInstanceGroup.Types.Kind kind, int deviceId, string? precision, string? threads)
    {
        var config = new ModelConfig { Name = "m", Backend = DetectronBackend.BackendName };
        if (precision is not null)
        {
            config.Parameters["precision"] = new ModelParameter { StringValue = precision };
        }

        if (threads is not null)
        {
            config.Parameters["threads"] = new ModelParameter { StringValue = threads };
        }

        return new ModelInstanceContext(config, "m", 1, "/nonexistent/m/1", "m_0", kind, deviceId);
    }

    private static string GpuModelConfig(string precision) => $$"""
        backend: "detserve"
        max_batch_size: 2
        instance_group [ { count: 1 kind: KIND_GPU gpus: [ 0 ] } ]
        parameters { key: "precision" value { string_value: "{{precision}}" } }
        parameters { key: "config_file" value { string_value: "{{Path.Combine(SampleModel, "configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow.yaml")}}" } }
        parameters { key: "weights_file" value { string_value: "{{Path.Combine(SampleModel, "model_final.pkl")}}" } }
        """;

    private sealed class ThrowingProbe : IGpuProbe
    {
        public GpuInventory Detect() => throw new InvalidOperationException("explicit GpuDeviceIds must not probe");
    }

    private sealed class FixedProbe(GpuInventory inventory) : IGpuProbe
    {
        public GpuInventory Detect() => inventory;
    }
}
