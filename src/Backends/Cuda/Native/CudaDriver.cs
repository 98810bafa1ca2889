using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native;

/// <summary>
/// The CUDA driver API (cuda.h) entries the backend uses, bound to the exported symbol names
/// (the _v2 suffixes are the ABI that cuda.h's macros select). Handles are raw pointers here; the
/// owning SafeHandle types live in Native/Handles.
/// </summary>
#pragma warning disable CA1707 // symbol names mirror cuda.h
internal static unsafe partial class CudaDriver
{
    private const string Lib = CudaLibrary.Driver;

    // CUdevice_attribute values (cuda.h) that the backend reads.
    public const int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    public const int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    public const int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public const int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    public const uint CU_STREAM_NON_BLOCKING = 1;
    public const uint CU_EVENT_DEFAULT = 0;
    public const uint CU_EVENT_DISABLE_TIMING = 2;
    public const int CU_STREAM_CAPTURE_MODE_GLOBAL = 0;
    public const int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    public const int CU_STREAM_CAPTURE_MODE_RELAXED = 2;
    public const int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    [LibraryImport(Lib)] public static partial CudaResult cuInit(uint flags);
    [LibraryImport(Lib)] public static partial CudaResult cuDriverGetVersion(out int version);
    [LibraryImport(Lib)] public static partial CudaResult cuDeviceGetCount(out int count);
    [LibraryImport(Lib)] public static partial CudaResult cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Lib)] public static partial CudaResult cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib)] public static partial CudaResult cuDeviceGetAttribute(out int value, int attribute, int device);
    [LibraryImport(Lib, EntryPoint = "cuDeviceTotalMem_v2")] public static partial CudaResult cuDeviceTotalMem(out nuint bytes, int device);

    [LibraryImport(Lib)] public static partial CudaResult cuDevicePrimaryCtxRetain(out nint context, int device);
    [LibraryImport(Lib, EntryPoint = "cuDevicePrimaryCtxRelease_v2")] public static partial CudaResult cuDevicePrimaryCtxRelease(int device);
    [LibraryImport(Lib)] public static partial CudaResult cuCtxSetCurrent(nint context);
    [LibraryImport(Lib)] public static partial CudaResult cuCtxSynchronize();
    [LibraryImport(Lib, EntryPoint = "cuMemGetInfo_v2")] public static partial CudaResult cuMemGetInfo(out nuint free, out nuint total);

    [LibraryImport(Lib, EntryPoint = "cuMemAlloc_v2")] public static partial CudaResult cuMemAlloc(out ulong pointer, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemFree_v2")] public static partial CudaResult cuMemFree(ulong pointer);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyHtoDAsync_v2")] public static partial CudaResult cuMemcpyHtoDAsync(ulong destination, void* source, nuint bytes, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoHAsync_v2")] public static partial CudaResult cuMemcpyDtoHAsync(void* destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoDAsync_v2")] public static partial CudaResult cuMemcpyDtoDAsync(ulong destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuMemsetD8Async")] public static partial CudaResult cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuMemsetD32Async")] public static partial CudaResult cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);

    [LibraryImport(Lib)] public static partial CudaResult cuStreamCreate(out nint stream, uint flags);
    [LibraryImport(Lib, EntryPoint = "cuStreamDestroy_v2")] public static partial CudaResult cuStreamDestroy(nint stream);
    [LibraryImport(Lib)] public static partial CudaResult cuStreamSynchronize(nint stream);
    [LibraryImport(Lib)] public static partial CudaResult cuStreamWaitEvent(nint stream, nint @event, uint flags);

    [LibraryImport(Lib)] public static partial CudaResult cuEventCreate(out nint @event, uint flags);
    [LibraryImport(Lib, EntryPoint = "cuEventDestroy_v2")] public static partial CudaResult cuEventDestroy(nint @event);
    [LibraryImport(Lib)] public static partial CudaResult cuEventRecord(nint @event, nint stream);
    [LibraryImport(Lib)] public static partial CudaResult cuEventSynchronize(nint @event);
    [LibraryImport(Lib)] public static partial CudaResult cuEventElapsedTime(out float milliseconds, nint start, nint end);

    [LibraryImport(Lib)] public static partial CudaResult cuModuleLoadData(out nint module, void* image);
    [LibraryImport(Lib)] public static partial CudaResult cuModuleUnload(nint module);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial CudaResult cuModuleGetFunction(out nint function, nint module, string name);
    [LibraryImport(Lib)] public static partial CudaResult cuFuncSetAttribute(nint function, int attribute, int value);
    [LibraryImport(Lib)]
    public static partial CudaResult cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    [LibraryImport(Lib, EntryPoint = "cuStreamBeginCapture_v2")] public static partial CudaResult cuStreamBeginCapture(nint stream, int mode);
    [LibraryImport(Lib)] public static partial CudaResult cuStreamEndCapture(nint stream, out nint graph);
    [LibraryImport(Lib)] public static partial CudaResult cuGraphInstantiateWithFlags(out nint graphExec, nint graph, ulong flags);
    [LibraryImport(Lib)] public static partial CudaResult cuGraphLaunch(nint graphExec, nint stream);
    [LibraryImport(Lib)] public static partial CudaResult cuGraphDestroy(nint graph);
    [LibraryImport(Lib)] public static partial CudaResult cuGraphExecDestroy(nint graphExec);
}
#pragma warning restore CA1707
