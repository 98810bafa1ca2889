using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Blas;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Nvrtc;

namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>
/// The GPU, a stream, the kernel library and the cuDNN / cuBLASLt handles, shared by every GPU test (one collection,
/// so GPU tests run one after another). Opened on first use, so that a machine without a GPU that filters the GPU
/// tests out never touches the driver.
/// </summary>
public sealed class GpuFixture : IDisposable
{
    private readonly Lazy<State> _state = new(Open);

    private sealed record State(CudaDevice Device, CudaStream Stream, KernelLibrary Kernels, CudnnContext Cudnn, CublasLtContext CublasLt, string CacheDirectory);

    public CudaDevice Device => _state.Value.Device;

    public CudaStream Stream => _state.Value.Stream;

    public KernelLibrary Kernels => _state.Value.Kernels;

    public CudnnContext Cudnn => _state.Value.Cudnn;

    public CublasLtContext CublasLt => _state.Value.CublasLt;

    public string CacheDirectory => _state.Value.CacheDirectory;

    public CpuContext Cpu { get; } = new(1);

    /// <summary>The CUDA toolkit include folder the device environment names (for NVRTC -I), if any.</summary>
    public static IReadOnlyList<string> IncludeDirectories()
    {
        string? dir = Environment.GetEnvironmentVariable("CUDA_INCLUDE_DIR");
        return !string.IsNullOrEmpty(dir) && Directory.Exists(dir) ? [dir] : [];
    }

    private static State Open()
    {
        var device = CudaDevice.Open(0, CudaLibraryOptions.Default);
        var stream = device.CreateStream();
        string cache = Path.Combine(Path.GetTempPath(), "detserve-nvrtc-tests");
        var kernels = new KernelLibrary(device, new NvrtcCacheOptions(cache), IncludeDirectories());
        return new State(device, stream, kernels, CudnnContext.Create(device), CublasLtContext.Create(device), cache);
    }

    public DeviceBuffer Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var buffer = Device.Allocate((long)values.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        buffer.Upload(values, Stream);
        return buffer;
    }

    /// <summary>A buffer of <paramref name="count"/> floats filled with NaN, so unwritten outputs show.</summary>
    public DeviceBuffer Poisoned(long count, int elementBytes = 4)
    {
        var buffer = Device.Allocate(count * elementBytes);
        if (elementBytes == 4) buffer.Fill32(0x7fc00000u, Stream);
        else buffer.Fill(0xff, Stream);
        return buffer;
    }

    public float[] Download(DeviceBuffer buffer, long count)
    {
        var result = new float[count];
        buffer.Download<float>(result, Stream);
        return result;
    }

    public void Dispose()
    {
        Cpu.Dispose();
        if (!_state.IsValueCreated) return;
        var s = _state.Value;
        s.Stream.Synchronize();
        s.CublasLt.Dispose();
        s.Cudnn.Dispose();
        s.Kernels.Dispose();
        s.Stream.Dispose();
        s.Device.Dispose();
    }
}
