using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native;

/// <summary>cuBLASLt (cublasLt.h): matrix products with fused bias/ReLU epilogues.</summary>
#pragma warning disable CA1707 // names mirror cublasLt.h
internal static unsafe partial class CublasLt
{
    private const string Lib = CudaLibrary.CublasLt;

    // cudaDataType_t (library_types.h)
    public const int CUDA_R_32F = 0;
    public const int CUDA_R_16F = 2;
    // cublasComputeType_t
    public const int CUBLAS_COMPUTE_32F = 68;
    public const int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    // cublasOperation_t
    public const int CUBLAS_OP_N = 0;
    public const int CUBLAS_OP_T = 1;
    // cublasLtMatmulDescAttributes_t
    public const int CUBLASLT_MATMUL_DESC_TRANSA = 3;
    public const int CUBLASLT_MATMUL_DESC_TRANSB = 4;
    public const int CUBLASLT_MATMUL_DESC_EPILOGUE = 7;
    public const int CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8;
    // cublasLtEpilogue_t
    public const uint CUBLASLT_EPILOGUE_DEFAULT = 1;
    public const uint CUBLASLT_EPILOGUE_RELU = 2;
    public const uint CUBLASLT_EPILOGUE_BIAS = 4;
    public const uint CUBLASLT_EPILOGUE_RELU_BIAS = 6;
    // cublasLtMatmulPreferenceAttributes_t
    public const int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;

    /// <summary>cublasLtMatmulHeuristicResult_t: the 64-byte opaque algo, then its workspace need and state.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MatmulHeuristicResult
    {
        public MatmulAlgo Algo;
        public nuint WorkspaceSize;
        public CublasStatus State;
        public float WavesCount;
        public int Reserved0;
        public int Reserved1;
        public int Reserved2;
        public int Reserved3;
    }

    /// <summary>cublasLtMatmulAlgo_t: uint64_t data[8].</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    public struct MatmulAlgo
    {
        public ulong Data0;
    }

    [LibraryImport(Lib)] public static partial nuint cublasLtGetVersion();
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtCreate(out nint handle);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtDestroy(nint handle);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulDescCreate(out nint descriptor, int computeType, int scaleType);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulDescDestroy(nint descriptor);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulDescSetAttribute(nint descriptor, int attribute, void* value, nuint size);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatrixLayoutCreate(out nint layout, int dataType, ulong rows, ulong cols, long ld);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatrixLayoutDestroy(nint layout);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulPreferenceCreate(out nint preference);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulPreferenceDestroy(nint preference);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulPreferenceSetAttribute(nint preference, int attribute, void* value, nuint size);
    [LibraryImport(Lib)]
    public static partial CublasStatus cublasLtMatmulAlgoGetHeuristic(nint handle, nint operation, nint a, nint b, nint c, nint d, nint preference,
        int requestedCount, MatmulHeuristicResult* results, out int returnedCount);
    [LibraryImport(Lib)]
    public static partial CublasStatus cublasLtMatmul(nint handle, nint operation, void* alpha, ulong a, nint aDesc, ulong b, nint bDesc, void* beta,
        ulong c, nint cDesc, ulong d, nint dDesc, MatmulAlgo* algo, ulong workspace, nuint workspaceBytes, nint stream);
}
#pragma warning restore CA1707
