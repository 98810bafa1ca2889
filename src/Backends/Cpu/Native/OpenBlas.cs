using System.Runtime.InteropServices;

namespace Detserve.Backends.Cpu.Native;

/// <summary>
/// OpenBLAS entry points (Debian package libopenblas0-pthread, library libopenblas.so.0). The CBLAS enum values are
/// those of cblas.h: CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112.
/// </summary>
internal static partial class OpenBlas
{
    internal const string LibraryName = "libopenblas.so.0";
    internal const string InstallHint = "apt-get install libopenblas0-pthread";
    internal const int RowMajor = 101;
    internal const int NoTrans = 111;
    internal const int Trans = 112;

    [LibraryImport(LibraryName, EntryPoint = "cblas_sgemm")]
    internal static unsafe partial void Sgemm(
        int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(LibraryName, EntryPoint = "openblas_set_num_threads")]
    internal static partial void SetNumThreads(int threads);

    [LibraryImport(LibraryName, EntryPoint = "openblas_get_num_threads")]
    internal static partial int GetNumThreads();

    [LibraryImport(LibraryName, EntryPoint = "openblas_get_config")]
    internal static partial nint GetConfig();
}
