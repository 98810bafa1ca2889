using Detserve.Backends.Cuda.Native;

namespace Detserve.Backends.Cuda.Tests;

public sealed class LibraryLookupTests
{
    [Fact]
    public void CandidatePaths_ProbeEachDirectoryInOrder_ThenTheLoaderSearch()
    {
        var options = new CudaLibraryOptions(["/opt/a", "/opt/b"]);
        var paths = CudaLibrary.CandidatePaths(CudaLibrary.CuDnn, options);
        Assert.Equal(["/opt/a/libcudnn.so.9", "/opt/a/libcudnn.so", "/opt/b/libcudnn.so.9", "/opt/b/libcudnn.so", "libcudnn.so.9", "libcudnn.so"], paths);
    }

    [Theory]
    [InlineData(CudaLibrary.Driver, "libcuda.so.1")]
    [InlineData(CudaLibrary.Nvrtc, "libnvrtc.so.13")]
    [InlineData(CudaLibrary.CublasLt, "libcublasLt.so.13")]
    [InlineData(CudaLibrary.NvJpeg, "libnvjpeg.so.13")]
    public void FileNames_PreferCuda13Sonames(string library, string first)
    {
        Assert.Equal(first, CudaLibrary.FileNames(library)[0]);
    }

    [Fact]
    public void FileNames_ForeignLibrary_IsEmpty()
    {
        Assert.Empty(CudaLibrary.FileNames("openblas"));
        Assert.Empty(CudaLibrary.CandidatePaths("openblas", CudaLibraryOptions.Default));
    }

    [Fact]
    public void WithPythonSitePackages_PutsTheWheelFoldersFirst()
    {
        var options = new CudaLibraryOptions(["/usr/local/cuda/lib64"]).WithPythonSitePackages("/venv/lib/python3.12/site-packages");
        Assert.Equal("/venv/lib/python3.12/site-packages/nvidia/cu13/lib", options.SearchDirectories[0]);
        Assert.Contains("/venv/lib/python3.12/site-packages/nvidia/cudnn/lib", options.SearchDirectories);
        Assert.Equal("/usr/local/cuda/lib64", options.SearchDirectories[^1]);
    }

    [Fact]
    public void Default_IncludesTheCudaToolkitFolder()
    {
        Assert.Contains("/usr/local/cuda/lib64", CudaLibraryOptions.Default.SearchDirectories);
    }

    [Fact]
    public void Open_WithoutDriver_ThrowsClearNoDriverError()
    {
        var options = CudaLibraryOptions.Default;
        if (CudaLibraryResolver.TryFindDriver(options, out string? path)) Assert.Skip($"a CUDA driver is installed here ({path})");
        var e = Assert.Throws<CudaException>(() => CudaDevice.Open(0, options));
        Assert.StartsWith("no CUDA driver found: libcuda.so.1 could not be loaded", e.Message, StringComparison.Ordinal);
        Assert.Contains("/usr/local/cuda/lib64/libcuda.so.1", e.Message, StringComparison.Ordinal);
        Assert.IsType<DllNotFoundException>(e.InnerException);
    }

    [Fact]
    public void Register_SameOptionsTwice_IsAccepted_OtherOptionsAreRefused()
    {
        CudaLibraryResolver.Register(CudaLibraryOptions.Default);
        CudaLibraryResolver.Register(new CudaLibraryOptions([.. CudaLibraryOptions.Default.SearchDirectories]));
        var e = Assert.Throws<InvalidOperationException>(() => CudaLibraryResolver.Register(new CudaLibraryOptions(["/elsewhere"])));
        Assert.Contains("/elsewhere", e.Message, StringComparison.Ordinal);
    }
}
