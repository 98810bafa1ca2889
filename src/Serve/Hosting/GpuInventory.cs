namespace Detserve.Serve.Hosting;

/// <summary>
/// The GPUs a server found at start (Triton enumerates them once, at start, too). With none, <see cref="NoGpuReason"/> says why
/// (e.g. the CUDA driver library could not be loaded), so that a KIND_GPU model's load error can name the cause.
/// </summary>
public sealed record GpuInventory(IReadOnlyList<GpuDevice> Devices, string? NoGpuReason)
{
    /// <summary>The CUDA ordinals, in order.</summary>
    public IReadOnlyList<int> DeviceIds => Devices.Select(d => d.Index).ToArray();

    /// <summary>An inventory given by ordinals alone (<see cref="ServerOptions.GpuDeviceIds"/>); no probing.</summary>
    public static GpuInventory FromIds(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return new GpuInventory(ids.Select(i => new GpuDevice(i, $"GPU {i}", 0)).ToArray(),
            ids.Count == 0 ? "the server was started with no GPU device ids" : null);
    }
}
