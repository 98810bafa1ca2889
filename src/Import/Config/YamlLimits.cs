namespace Detserve.Import.Config;

/// <summary>
/// Limits on what the config reader accepts, so that a hostile file (an alias bomb, a 100 MB file, a deeply nested
/// document, an endless <c>_BASE_</c> chain) is refused quickly with a clear error. The defaults are far above any
/// Detectron2 config (the largest zoo dump has about 400 nodes).
/// </summary>
/// <param name="MaxFileBytes">Largest YAML file read, checked before reading.</param>
/// <param name="MaxDepth">Deepest nesting of mappings and sequences.</param>
/// <param name="MaxNodes">Most YAML nodes built after alias expansion, over a config and all its bases (billion-laughs protection).</param>
/// <param name="MaxBaseDepth">Longest <c>_BASE_</c> chain.</param>
/// <param name="MaxBaseFiles">Most files read for one config, its whole <c>_BASE_</c> graph included.</param>
public sealed record YamlLimits(
    long MaxFileBytes = 4 * 1024 * 1024,
    int MaxDepth = 64,
    int MaxNodes = 100_000,
    int MaxBaseDepth = 32,
    int MaxBaseFiles = 64)
{
    /// <summary>The default limits.</summary>
    public static YamlLimits Default { get; } = new();
}
