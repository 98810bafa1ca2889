namespace Detserve.Backends.Cuda;

/// <summary>
/// The one exception type of the CUDA backend. <see cref="Api"/> names the native call that failed
/// (e.g. "cuModuleLoadData"), <see cref="Status"/> its status name (e.g. "CUDA_ERROR_INVALID_PTX"),
/// <see cref="Context"/> the object we were working on (kernel name, buffer size, op parameters).
/// </summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates an exception for a failed native call.</summary>
    public CudaException(string api, string status, long statusCode, string? context, string? detail = null, Exception? inner = null)
        : base(Format(api, status, statusCode, context, detail), inner)
    {
        Api = api;
        Status = status;
        StatusCode = statusCode;
        Context = context;
    }

    /// <summary>Creates an exception that is not tied to one native status (e.g. "no CUDA driver found").</summary>
    public CudaException(string message, Exception? inner = null)
        : base(message, inner)
    {
        Api = "";
        Status = "";
    }

    /// <summary>The native function that returned the failing status, or "" when none did.</summary>
    public string Api { get; }

    /// <summary>The status name as the library's header spells it.</summary>
    public string Status { get; }

    /// <summary>The numeric status.</summary>
    public long StatusCode { get; }

    /// <summary>What the call was working on, if given.</summary>
    public string? Context { get; }

    private static string Format(string api, string status, long statusCode, string? context, string? detail)
    {
        string text = $"{api} failed with {status} ({statusCode})";
        if (!string.IsNullOrEmpty(context)) text += $" [{context}]";
        if (!string.IsNullOrEmpty(detail)) text += ":" + Environment.NewLine + detail;
        return text;
    }
}
