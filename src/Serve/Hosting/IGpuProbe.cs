namespace Detserve.Serve.Hosting;

/// <summary>Finds the GPUs of this machine. Never throws for a missing driver or device: it returns an empty inventory and the reason.</summary>
public interface IGpuProbe
{
    GpuInventory Detect();
}
