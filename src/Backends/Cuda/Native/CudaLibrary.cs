namespace Detserve.Backends.Cuda.Native;

/// <summary>
/// The native libraries of the backend: the logical name used in [LibraryImport] and the file names
/// tried for it, newest ABI first (CUDA 13 sonames, then CUDA 12 for the math libraries).
/// </summary>
internal static class CudaLibrary
{
    public const string Driver = "cuda";
    public const string Nvrtc = "nvrtc";
    public const string CuDnn = "cudnn";
    public const string CublasLt = "cublasLt";
    public const string NvJpeg = "nvjpeg";

    /// <summary>File names tried for a logical library name; empty for a name that is not ours.</summary>
    public static IReadOnlyList<string> FileNames(string logicalName) => logicalName switch
    {
        Driver => ["libcuda.so.1", "libcuda.so"],
        Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"],
        CuDnn => ["libcudnn.so.9", "libcudnn.so"],
        CublasLt => ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"],
        NvJpeg => ["libnvjpeg.so.13", "libnvjpeg.so.12", "libnvjpeg.so"],
        _ => [],
    };

    /// <summary>
    /// Every path tried for <paramref name="logicalName"/>, in order: each search directory with each
    /// file name, then the bare file names (the dynamic loader's own search).
    /// </summary>
    public static IReadOnlyList<string> CandidatePaths(string logicalName, CudaLibraryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var names = FileNames(logicalName);
        var paths = new List<string>(names.Count * (options.SearchDirectories.Count + 1));
        foreach (string dir in options.SearchDirectories)
            foreach (string name in names)
                paths.Add(Path.Combine(dir, name));
        paths.AddRange(names);
        return paths;
    }
}
