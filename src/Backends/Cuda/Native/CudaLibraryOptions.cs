namespace Detserve.Backends.Cuda.Native;

/// <summary>
/// Where to look for the CUDA libraries, in order, before the dynamic loader's own search
/// (LD_LIBRARY_PATH, the ldconfig cache). The caller (Cli, Serve) builds this from its own settings;
/// the backend reads no environment variables.
/// </summary>
/// <param name="SearchDirectories">Directories probed first, in order.</param>
public sealed record CudaLibraryOptions(IReadOnlyList<string> SearchDirectories)
{
    /// <summary>
    /// The usual places: a CUDA 13 toolkit install and the driver's own folders. A PyTorch wheel's
    /// nvidia/ folders are added with <see cref="WithPythonSitePackages"/>.
    /// </summary>
    public static CudaLibraryOptions Default { get; } = new(
    [
        "/usr/local/cuda/lib64",
        "/usr/local/cuda/targets/x86_64-linux/lib",
        "/usr/local/nvidia/lib64",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib64",
    ]);

    /// <summary>
    /// Adds the library folders that PyTorch's CUDA 13 wheels install under a Python site-packages
    /// folder (nvidia/cu13/lib holds cuBLASLt, NVRTC and nvJPEG; nvidia/cudnn/lib holds cuDNN 9),
    /// ahead of the existing directories.
    /// </summary>
    public CudaLibraryOptions WithPythonSitePackages(string sitePackages)
    {
        ArgumentException.ThrowIfNullOrEmpty(sitePackages);
        string nvidia = Path.Combine(sitePackages, "nvidia");
        string[] wheelDirs =
        [
            Path.Combine(nvidia, "cu13", "lib"),
            Path.Combine(nvidia, "cudnn", "lib"),
            Path.Combine(nvidia, "cublas", "lib"),
            Path.Combine(nvidia, "cuda_nvrtc", "lib"),
            Path.Combine(nvidia, "nvjpeg", "lib"),
        ];
        return new CudaLibraryOptions([.. wheelDirs, .. SearchDirectories]);
    }
}
