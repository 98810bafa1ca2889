using System.Globalization;

namespace Detserve.Backends.Cuda;

/// <summary>
/// PyTorch-style device strings for the CUDA backend, as PredictorOptions.Device and the --device option carry
/// them: "cuda" (device 0) or "cuda:N".
/// </summary>
public static class CudaDeviceName
{
    /// <summary>True and the ordinal for "cuda" / "cuda:N" (N a non-negative decimal); false for anything else ("cpu", "cuda:", "cuda:-1", "CUDA").</summary>
    public static bool TryParse(string? device, out int ordinal)
    {
        ordinal = 0;
        if (device is null) return false;
        if (device == "cuda") return true;
        if (!device.StartsWith("cuda:", StringComparison.Ordinal)) return false;
        string digits = device["cuda:".Length..];
        return digits.Length is > 0 and <= 9 && digits.All(char.IsAsciiDigit)
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ordinal);
    }

    /// <summary>The ordinal of <paramref name="device"/>; throws naming the value when it is not a CUDA device string.</summary>
    public static int Parse(string device) =>
        TryParse(device, out int ordinal)
            ? ordinal
            : throw new ArgumentException($"'{device}' is not a CUDA device: use \"cuda\" or \"cuda:N\"", nameof(device));
}
