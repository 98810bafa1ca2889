using System.Runtime.InteropServices;
using System.Text;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda;

/// <summary>
/// One GPU and its retained primary context. Owns the context reference; every stream, buffer, event,
/// module and library handle made from it holds its own reference, so the context is released only
/// after the last of them is disposed.
/// </summary>
public sealed class CudaDevice : IDisposable
{
    private readonly CudaContextHandle _context;

    private CudaDevice(CudaContextHandle context, int ordinal, string name, int major, int minor,
        int multiprocessors, long totalMemoryBytes, int driverVersion, int maxSharedOptIn)
    {
        _context = context;
        Ordinal = ordinal;
        Name = name;
        ComputeCapabilityMajor = major;
        ComputeCapabilityMinor = minor;
        MultiprocessorCount = multiprocessors;
        TotalMemoryBytes = totalMemoryBytes;
        DriverVersion = driverVersion;
        MaxSharedMemoryPerBlockOptIn = maxSharedOptIn;
    }

    /// <summary>Device ordinal as CUDA counts them.</summary>
    public int Ordinal { get; }

    /// <summary>Marketing name, e.g. "NVIDIA H100 80GB HBM3".</summary>
    public string Name { get; }

    /// <summary>Compute capability major (9 for Hopper).</summary>
    public int ComputeCapabilityMajor { get; }

    /// <summary>Compute capability minor.</summary>
    public int ComputeCapabilityMinor { get; }

    /// <summary>NVRTC architecture name of this device, e.g. "sm_90".</summary>
    public string Arch => $"sm_{ComputeCapabilityMajor}{ComputeCapabilityMinor}";

    /// <summary>Streaming multiprocessors.</summary>
    public int MultiprocessorCount { get; }

    /// <summary>Total device memory.</summary>
    public long TotalMemoryBytes { get; }

    /// <summary>cuDriverGetVersion, e.g. 13000.</summary>
    public int DriverVersion { get; }

    /// <summary>Largest dynamic shared memory a block may opt in to.</summary>
    public int MaxSharedMemoryPerBlockOptIn { get; }

    internal CudaContextHandle Context => _context;

    /// <summary>
    /// Opens device <paramref name="ordinal"/>: registers the library resolver, loads the driver, cuInit,
    /// retains the primary context and makes it current on this thread.
    /// </summary>
    /// <exception cref="CudaException">no CUDA driver (the message lists every path tried), no such device, or a driver error.</exception>
    public static unsafe CudaDevice Open(int ordinal, CudaLibraryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        CudaLibraryResolver.Register(options);
        try
        {
            NativeStatus.Check(CudaDriver.cuInit(0), "cuInit");
        }
        catch (DllNotFoundException e)
        {
            throw new CudaException(
                "no CUDA driver found: libcuda.so.1 could not be loaded from any of [" +
                string.Join(", ", CudaLibrary.CandidatePaths(CudaLibrary.Driver, options)) +
                "]; this machine needs an NVIDIA GPU and its driver (run the CPU backend with --device cpu)", e);
        }
        NativeStatus.Check(CudaDriver.cuDriverGetVersion(out int driverVersion), "cuDriverGetVersion");
        NativeStatus.Check(CudaDriver.cuDeviceGetCount(out int count), "cuDeviceGetCount");
        if (ordinal >= count)
            throw new CudaException($"CUDA device {ordinal} does not exist: the driver reports {count} device(s)");
        NativeStatus.Check(CudaDriver.cuDeviceGet(out int device, ordinal), "cuDeviceGet", $"ordinal {ordinal}");
        byte* nameBytes = stackalloc byte[256];
        NativeStatus.Check(CudaDriver.cuDeviceGetName(nameBytes, 256, device), "cuDeviceGetName", $"device {ordinal}");
        string name = Marshal.PtrToStringUTF8((nint)nameBytes) ?? "";
        int major = Attribute(device, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = Attribute(device, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int sms = Attribute(device, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        int smemOptIn = Attribute(device, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        NativeStatus.Check(CudaDriver.cuDeviceTotalMem(out nuint total, device), "cuDeviceTotalMem", $"device {ordinal}");
        NativeStatus.Check(CudaDriver.cuDevicePrimaryCtxRetain(out nint raw, device), "cuDevicePrimaryCtxRetain", $"device {ordinal}");
        var context = new CudaContextHandle(raw, device);
        var result = new CudaDevice(context, ordinal, name, major, minor, sms, (long)total, driverVersion, smemOptIn);
        result.MakeCurrent();
        return result;
    }

    private static int Attribute(int device, int attribute)
    {
        NativeStatus.Check(CudaDriver.cuDeviceGetAttribute(out int value, attribute, device), "cuDeviceGetAttribute", $"attribute {attribute}");
        return value;
    }

    /// <summary>Makes this device's context current on the calling thread (cuCtxSetCurrent); cheap, call it on each worker thread.</summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        NativeStatus.Check(CudaDriver.cuCtxSetCurrent(_context.DangerousGetHandle()), "cuCtxSetCurrent", Name);
    }

    /// <summary>Waits for all work on the device (cuCtxSynchronize).</summary>
    public void Synchronize()
    {
        MakeCurrent();
        NativeStatus.Check(CudaDriver.cuCtxSynchronize(), "cuCtxSynchronize", Name);
    }

    /// <summary>Free and total device memory (cuMemGetInfo).</summary>
    public (long FreeBytes, long TotalBytes) MemoryInfo()
    {
        MakeCurrent();
        NativeStatus.Check(CudaDriver.cuMemGetInfo(out nuint free, out nuint total), "cuMemGetInfo", Name);
        return ((long)free, (long)total);
    }

    /// <summary>A new non-blocking stream; the caller owns it.</summary>
    public CudaStream CreateStream()
    {
        MakeCurrent();
        NativeStatus.Check(CudaDriver.cuStreamCreate(out nint raw, CudaDriver.CU_STREAM_NON_BLOCKING), "cuStreamCreate", Name);
        return new CudaStream(new CudaStreamHandle(raw, _context));
    }

    /// <summary>A new event; <paramref name="timing"/> false makes a cheaper sync-only event. The caller owns it.</summary>
    public CudaEvent CreateEvent(bool timing = true)
    {
        MakeCurrent();
        uint flags = timing ? CudaDriver.CU_EVENT_DEFAULT : CudaDriver.CU_EVENT_DISABLE_TIMING;
        NativeStatus.Check(CudaDriver.cuEventCreate(out nint raw, flags), "cuEventCreate", Name);
        return new CudaEvent(new CudaEventHandle(raw, _context));
    }

    /// <summary>Allocates <paramref name="sizeBytes"/> of device memory (uninitialised); the caller owns it.</summary>
    public DeviceBuffer Allocate(long sizeBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        MakeCurrent();
        // cuMemAlloc rejects 0 bytes; keep one byte so that empty tensors still have a valid address.
        long allocBytes = Math.Max(sizeBytes, 1);
        NativeStatus.Check(CudaDriver.cuMemAlloc(out ulong pointer, (nuint)allocBytes), "cuMemAlloc", $"{allocBytes} bytes on {Name}");
        return new DeviceBuffer(new DeviceMemoryHandle((nint)pointer, _context), sizeBytes);
    }

    /// <summary>Loads a CUBIN image (cuModuleLoadData); <paramref name="name"/> goes into error messages. The caller owns the module.</summary>
    public unsafe CudaModule LoadModule(ReadOnlySpan<byte> cubin, string name)
    {
        MakeCurrent();
        nint raw;
        fixed (byte* image = cubin)
            NativeStatus.Check(CudaDriver.cuModuleLoadData(out raw, image), "cuModuleLoadData", $"{name} ({cubin.Length} bytes)");
        return new CudaModule(new CudaModuleHandle(raw, _context), name);
    }

    /// <summary>Short description for logs: name, architecture, SMs, memory, driver.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"{Name} ({Arch}, {MultiprocessorCount} SMs, {TotalMemoryBytes / (1024 * 1024)} MiB, driver {DriverVersion / 1000}.{DriverVersion % 1000 / 10})");
        return text.ToString();
    }

    /// <summary>Releases this object's context reference (objects made from it keep theirs).</summary>
    public void Dispose() => _context.Dispose();
}
