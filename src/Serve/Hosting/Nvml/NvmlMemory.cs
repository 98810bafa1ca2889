using System.Runtime.InteropServices;

namespace Detserve.Serve.Hosting.Nvml;

/// <summary>nvmlMemory_t: total, free and used device memory in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlMemory
{
    public ulong Total;
    public ulong Free;
    public ulong Used;
}
