using Detserve.Backends.Cuda.Native;

namespace Detserve.Backends.Cuda;

/// <summary>A __global__ function of a loaded module (borrows the module).</summary>
public sealed class CudaKernel
{
    private readonly nint _function;

    internal CudaKernel(CudaModule module, nint function, string name)
    {
        Module = module;
        _function = function;
        Name = name;
    }

    /// <summary>The module that owns the code.</summary>
    public CudaModule Module { get; }

    /// <summary>The function's name.</summary>
    public string Name { get; }

    /// <summary>Allows more than 48 KiB of dynamic shared memory (cuFuncSetAttribute).</summary>
    public void SetMaxDynamicSharedMemory(int bytes) =>
        NativeStatus.Check(CudaDriver.cuFuncSetAttribute(_function, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
            "cuFuncSetAttribute", $"{Name}: {bytes} bytes of dynamic shared memory");

    /// <summary>Queues the kernel on <paramref name="stream"/> (cuLaunchKernel). An empty grid launches nothing.</summary>
    public unsafe void Launch(LaunchGeometry geometry, CudaStream stream, KernelArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(arguments);
        if (geometry.IsEmpty) return;
        geometry.Validate(Name);
        Span<ulong> slots = arguments.Slots;
        void** pointers = stackalloc void*[Math.Max(slots.Length, 1)];
        fixed (ulong* values = slots)
        {
            for (int i = 0; i < slots.Length; i++) pointers[i] = values + i;
            NativeStatus.Check(CudaDriver.cuLaunchKernel(_function,
                (uint)geometry.GridX, (uint)geometry.GridY, (uint)geometry.GridZ,
                (uint)geometry.BlockX, (uint)geometry.BlockY, (uint)geometry.BlockZ,
                (uint)geometry.SharedMemoryBytes, stream.Raw, pointers, null), "cuLaunchKernel", $"{Name} {geometry}");
        }
    }
}
