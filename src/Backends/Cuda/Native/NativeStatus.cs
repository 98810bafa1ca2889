namespace Detserve.Backends.Cuda.Native;

/// <summary>
/// The one funnel every native status passes through (as onnxruntime's NativeApiStatus.VerifySuccess):
/// success returns, anything else throws <see cref="CudaException"/> with the API name, the status name
/// from the library's header and what we were working on.
/// </summary>
internal static class NativeStatus
{
    public static void Check(CudaResult status, string api, string? context = null)
    {
        if (status != CudaResult.CUDA_SUCCESS) throw Failure(api, Name(status), (long)status, context);
    }

    public static void Check(NvrtcResult status, string api, string? context = null, string? detail = null)
    {
        if (status != NvrtcResult.NVRTC_SUCCESS) throw Failure(api, Name(status), (long)status, context, detail);
    }

    public static void Check(CudnnStatus status, string api, string? context = null)
    {
        if (status != CudnnStatus.CUDNN_STATUS_SUCCESS) throw Failure(api, Name(status), (long)status, context);
    }

    public static void Check(CublasStatus status, string api, string? context = null)
    {
        if (status != CublasStatus.CUBLAS_STATUS_SUCCESS) throw Failure(api, Name(status), (long)status, context);
    }

    public static void Check(NvJpegStatus status, string api, string? context = null)
    {
        if (status != NvJpegStatus.NVJPEG_STATUS_SUCCESS) throw Failure(api, Name(status), (long)status, context);
    }

    /// <summary>The header's name for a status, or "UNKNOWN_STATUS_n" for a value this build does not know.</summary>
    public static string Name<TStatus>(TStatus status) where TStatus : struct, Enum =>
        Enum.IsDefined(status) ? status.ToString() : $"UNKNOWN_STATUS_{Convert.ToInt64(status, System.Globalization.CultureInfo.InvariantCulture)}";

    private static CudaException Failure(string api, string name, long code, string? context, string? detail = null) =>
        new(api, name, code, context, detail);
}
