using System.Globalization;

namespace Detserve.Cli.Commands.Bench;

/// <summary>
/// The bench's --device value: "cpu", or a PyTorch-style CUDA device string ("cuda" = device 0, "cuda:N"), as
/// PredictorOptions.Device and GpuBenchmarkOptions.Device carry it.
/// </summary>
/// <param name="Name">The normalized device string ("cpu", "cuda", "cuda:1").</param>
/// <param name="IsCuda">True for a CUDA device.</param>
/// <param name="Ordinal">The CUDA ordinal; -1 for the CPU.</param>
public sealed record BenchDevice(string Name, bool IsCuda, int Ordinal)
{
    /// <summary>Parses <paramref name="text"/>; anything but cpu, cuda and cuda:N is a <see cref="CliException"/> naming the value.</summary>
    public static BenchDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "cpu") return new BenchDevice("cpu", false, -1);
        if (text == "cuda") return new BenchDevice("cuda", true, 0);
        if (text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            string digits = text["cuda:".Length..];
            if (digits.Length is > 0 and <= 4 && digits.All(char.IsAsciiDigit)
                && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int ordinal))
                return new BenchDevice(text, true, ordinal);
        }
        throw new CliException($"--device {text}: unknown device; expected cpu, cuda or cuda:N");
    }

    /// <summary>Checks a --precision value for this device: fp32 or fp16, fp16 only on CUDA (the CPU engine computes in float32).</summary>
    public string CheckPrecision(string precision)
    {
        ArgumentNullException.ThrowIfNull(precision);
        if (precision is not ("fp32" or "fp16")) throw new CliException($"--precision {precision}: expected fp32 or fp16");
        if (precision == "fp16" && !IsCuda) throw new CliException("--precision fp16 needs --device cuda (the CPU engine computes in fp32)");
        return precision;
    }
}
