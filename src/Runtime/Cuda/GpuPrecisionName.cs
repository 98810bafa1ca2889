namespace Detserve.Runtime.Cuda;

/// <summary>The --precision words of the CUDA path.</summary>
internal static class GpuPrecisionName
{
    /// <summary>"fp32" or "fp16" (case-insensitive); anything else is refused by name.</summary>
    public static GpuPrecision Parse(string precision) =>
        precision?.ToLowerInvariant() switch
        {
            "fp32" => GpuPrecision.Fp32,
            "fp16" => GpuPrecision.Fp16,
            _ => throw new NotSupportedException($"precision '{precision}' is not supported on CUDA (use \"fp32\" or \"fp16\")"),
        };

    /// <summary>The word for <paramref name="precision"/>.</summary>
    public static string Name(GpuPrecision precision) => precision switch
    {
        GpuPrecision.Fp16 => "fp16",
        GpuPrecision.Fp32 => "fp32",
        _ => "fp32-strict",
    };
}
