namespace Detserve.Import.Config;

/// <summary>Where a config value was written: the YAML file and its 1-based line.</summary>
public readonly record struct SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File} line {Line}";
}
