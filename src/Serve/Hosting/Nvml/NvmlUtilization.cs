using System.Runtime.InteropServices;

namespace Detserve.Serve.Hosting.Nvml;

/// <summary>nvmlUtilization_t: percent of the last sample period the GPU (and its memory) was busy.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlUtilization
{
    public uint Gpu;
    public uint Memory;
}
