using Detserve.Backends.Cuda.Native;

namespace Detserve.Cli.Tests;

/// <summary>`detserve bench --device cuda` on a machine without a GPU, and the bench's one-line usage errors (exit 2).</summary>
[Collection("console")]
public sealed class GpuBenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detserve-gpubench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task DeviceCuda_WithoutAGpu_FailsNamingTheMissingDriver()
    {
        if (CudaLibraryResolver.TryFindDriver(CudaLibraryOptions.Default, out string? driver))
            Assert.Skip($"this machine has a CUDA driver ({driver})");
        var (code, stdout, stderr) = await CliRunner.RunAsync("bench", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights,
            "--device", "cuda", "--precision", "fp16", "--size", "64x96", "--iterations", "1", "--warmup", "0");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        string error = stderr.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("detserve: device 'cuda': no CUDA driver found: libcuda.so.1 could not be loaded", error);
    }

    [Theory]
    [InlineData("--device gpu", "detserve: --device gpu: unknown device; expected cpu, cuda or cuda:N")]
    [InlineData("--device cuda:x", "detserve: --device cuda:x: unknown device; expected cpu, cuda or cuda:N")]
    [InlineData("--precision fp16", "detserve: --precision fp16 needs --device cuda (the CPU engine computes in fp32)")]
    [InlineData("--device cuda --precision int8", "detserve: --precision int8: expected fp32 or fp16")]
    [InlineData("--device cuda --size 1344", "detserve: --size 1344: expected HEIGHTxWIDTH, e.g. 800x1333")]
    [InlineData("--device cuda --batch 1,x", "detserve: --batch x: expected a positive integer")]
    [InlineData("--device cuda --iterations 0", "detserve: --iterations must be at least 1")]
    [InlineData("--no-cuda-graph", "detserve: --no-cuda-graph needs --device cuda")]
    public async Task UsageErrors_AreOneLineWithExitCode2(string args, string expected)
    {
        var (code, _, stderr) = await CliRunner.RunAsync(["bench", "--config", Paths.SampleConfig, .. args.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Equal(expected, stderr.TrimEnd());
    }

    [Fact]
    public async Task PeerJson_MissingAConfiguration_FailsBeforeAnyTiming()
    {
        string peer = Path.Combine(_dir, "peer.json");
        File.WriteAllText(peer, """
            {"peer": "torchvision", "device": "NVIDIA H100", "results": [
              {"batch": 1, "height": 1344, "width": 1344, "precision": "fp32", "gpu_ms": {"median": 87.0}},
              {"batch": 1, "height": 1344, "width": 1344, "precision": "fp16", "gpu_ms": {"median": 88.0}}]}
            """);
        var (code, stdout, stderr) = await CliRunner.RunAsync("bench", "--config", Paths.SampleConfig, "--device", "cuda", "--precision", "fp16",
            "--batch", "1,8", "--size", "1344x1344", "--peer-json", peer);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"detserve: --peer-json {peer}: no fp32 result for batch 8 1344x1344; the peer ran b1:1344x1344 fp32, b1:1344x1344 fp16 "
            + "(run the peer with --configs b8:1344x1344 --precisions fp32,fp16)", stderr.TrimEnd());
    }

    [Fact]
    public async Task PeerJson_OnTheCpu_IsAUsageError()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("bench", "--config", Paths.SampleConfig, "--peer-json", Path.Combine(_dir, "none.json"));
        Assert.Equal(2, code);
        Assert.Equal("detserve: --peer-json compares GPU times; it needs --device cuda", stderr.TrimEnd());
    }
}
