using System.Runtime.InteropServices;

namespace Detserve.Serve.Hosting.Nvml;

/// <summary>
/// The few NVML entry points the metrics endpoint reads (nvml.h; Triton's metrics.cc reads the same ones through DCGM/NVML).
/// NVML is the driver's management library: it answers without a CUDA context, so a CPU-only model set costs no GPU memory.
/// Plain DllImport with blittable arguments (the Serve project allows no unsafe code, which LibraryImport's generated stubs need).
/// </summary>
internal static class NvmlNative
{
    private const string Lib = "libnvidia-ml.so.1";

    /// <summary>NVML_DEVICE_UUID_V2_BUFFER_SIZE.</summary>
    public const int UuidBufferSize = 96;

    /// <summary>NVML_DEVICE_NAME_V2_BUFFER_SIZE.</summary>
    public const int NameBufferSize = 96;

    [DllImport(Lib, EntryPoint = "nvmlInit_v2", ExactSpelling = true)]
    public static extern int Init();

    [DllImport(Lib, EntryPoint = "nvmlShutdown", ExactSpelling = true)]
    public static extern int Shutdown();

    [DllImport(Lib, EntryPoint = "nvmlDeviceGetCount_v2", ExactSpelling = true)]
    public static extern int DeviceGetCount(out uint count);

    [DllImport(Lib, EntryPoint = "nvmlDeviceGetHandleByIndex_v2", ExactSpelling = true)]
    public static extern int DeviceGetHandleByIndex(uint index, out nint device);

    [DllImport(Lib, EntryPoint = "nvmlDeviceGetUUID", ExactSpelling = true)]
    public static extern int DeviceGetUuid(nint device, [Out] byte[] uuid, uint length);

    [DllImport(Lib, EntryPoint = "nvmlDeviceGetName", ExactSpelling = true)]
    public static extern int DeviceGetName(nint device, [Out] byte[] name, uint length);

    [DllImport(Lib, EntryPoint = "nvmlDeviceGetMemoryInfo", ExactSpelling = true)]
    public static extern int DeviceGetMemoryInfo(nint device, out NvmlMemory memory);

    [DllImport(Lib, EntryPoint = "nvmlDeviceGetUtilizationRates", ExactSpelling = true)]
    public static extern int DeviceGetUtilizationRates(nint device, out NvmlUtilization utilization);
}
