namespace Detserve.Import.Config;

/// <summary>
/// Limits on what the config reader accepts, so that a hostile file (an alias bomb, a 100 MB file, a deeply nested
/// document, an endless <c>_BASE_</c> chain) is refused quickly with a clear error. The defaults are far above any
/// Detectron2 config (the largest zoo dump has about 400 nodes).
/// </summary>
/// <param name="MaxFileBytes">Largest YAML file read, checked before reading.</param>
/// <param name="MaxDepth">Deepest nesting of mappings and sequences.</param>
/// <param name="MaxNodes">Most nodes in one file after alias expansion (billion-laughs protection).</param>
/// <param name="MaxBaseDepth">Longest <c>_BASE_</c> chain.</param>
public sealed record YamlLimits(
    long MaxFileBytes = 4 * 1024 * 1024,
    int MaxDepth = 64,
    int MaxNodes = 100_000,
    int MaxBaseDepth = 32)
{
    /// <summary>The default limits.</summary>
    public static YamlLimits Default { get; } = new();
}
