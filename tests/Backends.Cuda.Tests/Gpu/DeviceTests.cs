using Detserve.Backends.Cuda.Nvrtc;

namespace Detserve.Backends.Cuda.Tests.Gpu;

[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class DeviceTests(GpuFixture gpu, ITestOutputHelper output)
{
    [Fact]
    public void Device_Opens_AndReportsArchitectureAndMemory()
    {
        var device = gpu.Device;
        output.WriteLine(device.Describe());
        Assert.Matches("^sm_[0-9]+$", device.Arch);
        Assert.True(device.MultiprocessorCount > 0);
        var (free, total) = device.MemoryInfo();
        Assert.InRange(free, 1, total);
        Assert.True(device.DriverVersion >= 12000, $"driver version {device.DriverVersion}");
        output.WriteLine($"cuDNN {gpu.Cudnn.Version}, cuBLASLt {gpu.CublasLt.Version}, NVRTC {gpu.Kernels.Compiler.Version}");
    }

    [Fact]
    public void Nvrtc_SecondLibrary_LoadsEveryKernelFromTheDiskCache()
    {
        foreach (string file in KernelSource.Available()) _ = gpu.Kernels.Compiler.Compile(KernelSource.Load(file), gpu.Kernels.BaseOptions());
        var compiler = new NvrtcCompiler(new NvrtcCache(new NvrtcCacheOptions(gpu.CacheDirectory)));
        foreach (string file in KernelSource.Available())
        {
            byte[] cubin = compiler.Compile(KernelSource.Load(file), gpu.Kernels.BaseOptions());
            Assert.True(cubin.Length > 0, file);
        }
        Assert.Equal(KernelSource.Available().Count, compiler.CacheHits);
        Assert.Equal(0, compiler.Compilations);
    }

    [Fact]
    public void Nvrtc_CompileError_CarriesTheLogAndTheKernelName()
    {
        var compiler = new NvrtcCompiler(new NvrtcCache(new NvrtcCacheOptions(null)));
        var source = new KernelSource("broken.cu", "extern \"C\" __global__ void broken(float* x) { x[0] = undefined_symbol; }");
        var e = Assert.Throws<CudaException>(() => compiler.Compile(source, gpu.Kernels.BaseOptions()));
        Assert.Equal("nvrtcCompileProgram", e.Api);
        Assert.Equal("NVRTC_ERROR_COMPILATION", e.Status);
        Assert.Contains("broken.cu", e.Message, StringComparison.Ordinal);
        Assert.Contains("undefined_symbol", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Module_MissingFunction_NamesFunctionAndModule()
    {
        var e = Assert.Throws<CudaException>(() => gpu.Kernels.Get("max_pool2d.cu", "no_such_kernel"));
        Assert.Equal("cuModuleGetFunction", e.Api);
        Assert.Equal("CUDA_ERROR_NOT_FOUND", e.Status);
        Assert.Contains("no_such_kernel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Buffer_RoundTrips_AndChecksSizes()
    {
        float[] values = Parity.Random(1, 1001);
        using var buffer = gpu.Upload<float>(values);
        float[] back = gpu.Download(buffer, values.Length);
        Parity.AssertEqual("DeviceBuffer", "1001 floats", values.AsSpan(), back.AsSpan());
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Upload<float>(new float[1002], gpu.Stream));
        using var empty = gpu.Device.Allocate(0);
        Assert.Equal(0, empty.SizeBytes);
        empty.Upload<float>([], gpu.Stream);
    }

    [Fact]
    public void Graph_CaptureAndReplay_MatchesEagerAndTimesWithEvents()
    {
        var pool = new Ops.MaxPool2dOp(gpu.Kernels);
        float[] input = Parity.Random(2, 2 * 8 * 37 * 53);
        using var x = gpu.Upload<float>(input);
        var (oh, ow) = Cpu.MaxPool2d.OutputSize(37, 53, 3, 2, 1);
        using var eager = gpu.Poisoned(2L * 8 * oh * ow);
        using var replayed = gpu.Poisoned(2L * 8 * oh * ow);
        pool.Enqueue(x, 2, 8, 37, 53, 3, 2, 1, eager, gpu.Stream);
        using var graph = gpu.Stream.Capture(s => pool.Enqueue(x, 2, 8, 37, 53, 3, 2, 1, replayed, s), "maxpool graph");
        using var start = gpu.Device.CreateEvent();
        using var end = gpu.Device.CreateEvent();
        start.Record(gpu.Stream);
        for (int i = 0; i < 10; i++) graph.Launch(gpu.Stream);
        end.Record(gpu.Stream);
        end.Synchronize();
        float ms = CudaEvent.ElapsedMilliseconds(start, end);
        output.WriteLine($"10 graph replays: {ms:F3} ms");
        Assert.True(ms >= 0);
        Parity.AssertEqual("graph replay", "maxpool 3x3 s2 p1", gpu.Download(eager, eager.SizeBytes / 4).AsSpan(), gpu.Download(replayed, replayed.SizeBytes / 4).AsSpan());
    }
}
