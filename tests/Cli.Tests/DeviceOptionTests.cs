using Detserve.Backends.Cuda.Native;

namespace Detserve.Cli.Tests;

/// <summary>
/// --device and --precision on the commands that run a model (infer, eval): cpu, cuda and cuda:N are accepted, anything else
/// and fp16 on the CPU are one-line usage errors (exit 2) before any model is loaded, and a CUDA device on a machine without
/// the NVIDIA driver fails naming libcuda.so.1 instead of crashing.
/// </summary>
[Collection("console")]
public sealed class DeviceOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detserve-device-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("infer", "--device gpu", "detserve: --device gpu: unknown device; expected cpu, cuda or cuda:N")]
    [InlineData("infer", "--device cuda:x", "detserve: --device cuda:x: unknown device; expected cpu, cuda or cuda:N")]
    [InlineData("infer", "--precision fp16", "detserve: --precision fp16 needs --device cuda (the CPU engine computes in fp32)")]
    [InlineData("eval", "--device cuda:-1", "detserve: --device cuda:-1: unknown device; expected cpu, cuda or cuda:N")]
    [InlineData("eval", "--device cpu --precision fp16", "detserve: --precision fp16 needs --device cuda (the CPU engine computes in fp32)")]
    [InlineData("infer", "--jpeg-decoder gpu", "detserve: --jpeg-decoder gpu needs --device cuda (nvJPEG decodes on the model's GPU)")]
    public async Task BadDeviceOrPrecision_IsAOneLineUsageError(string command, string args, string expected)
    {
        string output = Path.Combine(_dir, "out");
        string[] rest = command == "infer"
            ? ["--input", Path.Combine(Paths.Sample, "images"), "--output", output]
            : ["--images", Path.Combine(Paths.Sample, "images"), "--annotations", Path.Combine(_dir, "none.json")];
        var (code, stdout, stderr) = await CliRunner.RunAsync([command, "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights,
            .. rest, .. args.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        string[] lines = stderr.TrimEnd().Split('\n');
        Assert.Equal(expected, lines[0]);
        Assert.Equal($"detserve: see 'detserve {command} --help'", lines[^1]);
        Assert.False(Directory.Exists(output), "nothing is written for a usage error");
    }

    [Fact]
    public async Task MissingRequiredOptions_AreUsageErrorsNamingEach()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("infer", "--config", Paths.SampleConfig);
        Assert.Equal(2, code);
        Assert.Contains("detserve: Option '--input' is required.", stderr);
        Assert.Contains("detserve: Option '--output' is required.", stderr);
        Assert.EndsWith("detserve: see 'detserve infer --help'", stderr.TrimEnd());
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public async Task InferOnCuda_WithoutADriver_FailsNamingIt(string device)
    {
        if (CudaLibraryResolver.TryFindDriver(CudaLibraryOptions.Default, out string? driver))
            Assert.Skip($"this machine has a CUDA driver ({driver})");
        string output = Path.Combine(_dir, "out");
        var (code, _, stderr) = await CliRunner.RunAsync("infer", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights,
            "--input", Path.Combine(Paths.Sample, "images"), "--output", output, "--device", device, "--precision", "fp16");
        Assert.Equal(2, code);
        string error = stderr.TrimEnd().Split('\n')[^1];
        Assert.StartsWith($"detserve: device '{device}': no CUDA driver found: libcuda.so.1 could not be loaded", error);
        Assert.DoesNotContain("   at ", stderr);
    }
}
