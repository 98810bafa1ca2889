using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda;

/// <summary>An instantiated CUDA graph (owns its CUgraphExec), made by <see cref="CudaStream.Capture"/>.</summary>
public sealed class CudaGraphExec : IDisposable
{
    private readonly CudaGraphExecHandle _handle;

    internal CudaGraphExec(CudaGraphExecHandle handle, string name)
    {
        _handle = handle;
        Name = name;
    }

    /// <summary>The name given at capture, for messages.</summary>
    public string Name { get; }

    /// <summary>Replays the captured work on <paramref name="stream"/> (cuGraphLaunch); returns at once.</summary>
    public void Launch(CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        NativeStatus.Check(CudaDriver.cuGraphLaunch(_handle.Raw, stream.Raw), "cuGraphLaunch", Name);
    }

    /// <summary>Destroys the executable graph.</summary>
    public void Dispose() => _handle.Dispose();
}
