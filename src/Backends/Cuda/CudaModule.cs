using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda;

/// <summary>A loaded CUBIN (owns the CUmodule). Kernels taken from it borrow it and must not outlive it.</summary>
public sealed class CudaModule : IDisposable
{
    private readonly CudaModuleHandle _handle;

    internal CudaModule(CudaModuleHandle handle, string name)
    {
        _handle = handle;
        Name = name;
    }

    /// <summary>The source's name (e.g. "max_pool2d.cu"), for messages.</summary>
    public string Name { get; }

    /// <summary>Looks up an extern "C" __global__ function (cuModuleGetFunction).</summary>
    public CudaKernel GetKernel(string functionName)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        NativeStatus.Check(CudaDriver.cuModuleGetFunction(out nint function, _handle.Raw, functionName), "cuModuleGetFunction", $"{functionName} in {Name}");
        return new CudaKernel(this, function, functionName);
    }

    /// <summary>Unloads the module.</summary>
    public void Dispose() => _handle.Dispose();
}
