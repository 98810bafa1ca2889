using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native;

/// <summary>NVRTC (nvrtc.h): runtime compilation of CUDA C++ to CUBIN.</summary>
internal static unsafe partial class Nvrtc
{
    private const string Lib = CudaLibrary.Nvrtc;

    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcVersion(out int major, out int minor);
    [LibraryImport(Lib)]
    public static partial NvrtcResult nvrtcCreateProgram(out nint program, byte* source, byte* name, int numHeaders, byte** headers, byte** includeNames);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcDestroyProgram(ref nint program);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcCompileProgram(nint program, int numOptions, byte** options);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetProgramLogSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetProgramLog(nint program, byte* log);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetCUBINSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetCUBIN(nint program, byte* cubin);
}
