namespace Detserve.Serve.TextFormat;

/// <summary>
/// Bounds on untrusted text-format input, as defaults (System.Text.Json's DefaultMaxDepth = 64 style):
/// message nesting depth and total input size. A model config is a few kilobytes; 4 MiB leaves room for
/// long warm-up or ensemble lists.
/// </summary>
public sealed record TextFormatLimits(int MaxDepth = 64, int MaxInputChars = 4 * 1024 * 1024)
{
    public static TextFormatLimits Default { get; } = new();
}
