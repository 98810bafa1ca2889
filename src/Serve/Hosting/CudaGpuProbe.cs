using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Native;

namespace Detserve.Serve.Hosting;

/// <summary>
/// Finds the GPUs through the CUDA backend: first whether the driver library loads at all (no resolver registered, so a machine
/// without a GPU stays untouched), then each ordinal opened in turn until the driver reports no more. Fails soft: no driver, or a
/// driver with no usable device, gives an empty inventory whose reason is the backend's own message ("no CUDA driver found:
/// libcuda.so.1 could not be loaded from any of [...]").
/// </summary>
public sealed class CudaGpuProbe : IGpuProbe
{
    private readonly CudaLibraryOptions _libraries;

    /// <summary>A probe over <paramref name="libraries"/>; use the same options as the engine's predictors (one resolver per process).</summary>
    public CudaGpuProbe(CudaLibraryOptions? libraries = null)
    {
        _libraries = libraries ?? CudaLibraryOptions.Default;
    }

    public GpuInventory Detect()
    {
        if (!CudaLibraryResolver.TryFindDriver(_libraries, out _))
        {
            return new GpuInventory([], "no CUDA driver found: libcuda.so.1 could not be loaded from any of ["
                + string.Join(", ", _libraries.SearchDirectories) + "] nor the loader's search path; KIND_GPU needs an NVIDIA GPU and its driver");
        }

        var devices = new List<GpuDevice>();
        string? reason = null;
        // CUDA numbers devices 0..count-1; Open says "does not exist" past the last, which ends the scan.
        for (var ordinal = 0; ordinal < 64; ordinal++)
        {
            try
            {
                using var device = CudaDevice.Open(ordinal, _libraries);
                devices.Add(new GpuDevice(ordinal, device.Name, device.TotalMemoryBytes));
            }
            catch (CudaException e)
            {
                if (devices.Count == 0)
                {
                    reason = e.Message;
                }

                break;
            }
        }

        return new GpuInventory(devices, devices.Count == 0 ? reason ?? "the CUDA driver reports no device" : null);
    }
}
