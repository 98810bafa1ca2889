namespace Detserve.Import.Config;

/// <summary>
/// Detectron2's config entry points: <c>get_cfg()</c> (<see cref="Defaults"/>) and
/// <c>cfg.merge_from_file(path); cfg.merge_from_list(opts)</c> (<see cref="LoadFile(string, IReadOnlyList{string}?)"/>),
/// with the semantics of detectron2/config/config.py, fvcore/common/config.py and yacs/config.py. YAML is read as
/// PyYAML reads it, <c>!!python/object/apply:eval</c> is evaluated by a closed arithmetic subset (never executed), and
/// hostile files are refused under <see cref="YamlLimits"/>.
/// </summary>
public static class ConfigLoader
{
    /// <summary>A fresh copy of the complete defaults table of detectron2/config/defaults.py.</summary>
    public static CfgNode Defaults() => DefaultConfig.Build();

    /// <summary>
    /// Defaults + the <c>_BASE_</c> chain of <paramref name="yamlPath"/> + the file itself + <c>KEY VALUE</c>
    /// overrides, as <c>get_cfg().merge_from_file(path)</c> then <c>merge_from_list(opts)</c>.
    /// </summary>
    public static CfgNode LoadFile(string yamlPath, IReadOnlyList<string>? opts = null) =>
        LoadFile(yamlPath, opts, YamlLimits.Default);

    /// <inheritdoc cref="LoadFile(string, IReadOnlyList{string}?)"/>
    public static CfgNode LoadFile(string yamlPath, IReadOnlyList<string>? opts, YamlLimits limits)
    {
        ArgumentNullException.ThrowIfNull(yamlPath);
        ArgumentNullException.ThrowIfNull(limits);
        if (!File.Exists(yamlPath))
        {
            throw new ConfigException($"Config file '{yamlPath}' does not exist!");
        }

        var cfg = MergeFromFile(Defaults(), yamlPath, limits);
        if (opts is not null)
        {
            YacsMerge.MergeFromList(cfg, opts);
        }

        return cfg;
    }

    /// <summary>
    /// Defaults + a resolved config given as YAML text (a <see cref="CfgNode.ToYaml"/> dump, as an engine file stores it) + overrides.
    /// A dump is self-contained, so <c>_BASE_</c> is refused; <paramref name="sourceName"/> names the text in errors.
    /// </summary>
    public static CfgNode LoadResolvedText(string yaml, string sourceName, IReadOnlyList<string>? opts = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        var top = YamlTreeReader.ReadText(yaml, sourceName, YamlLimits.Default);
        var loaded = top switch
        {
            CfgNode node => node,
            _ => throw new ConfigException($"{sourceName}: the resolved config must be a YAML mapping, found {CfgValue.PythonTypeName(top)}"),
        };
        if (loaded.TryGetChild(BaseChainLoader.BaseKey, out _))
        {
            throw new ConfigException($"{sourceName}: a resolved config has no _BASE_");
        }

        var cfg = Merge(Defaults(), loaded, sourceName);
        if (opts is not null)
        {
            YacsMerge.MergeFromList(cfg, opts);
        }

        return cfg;
    }

    /// <summary>
    /// A copy of <paramref name="cfg"/> with <c>KEY VALUE</c> overrides applied (<c>merge_from_list</c>): values are
    /// Python literals (<c>0.7</c>, <c>"(800,)"</c>, <c>[1, 2]</c>, <c>True</c>), anything else a string; each must match
    /// the type of the value it replaces.
    /// </summary>
    public static CfgNode ApplyOverrides(CfgNode cfg, IReadOnlyList<string> opts)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(opts);
        var copy = cfg.Clone();
        YacsMerge.MergeFromList(copy, opts);
        return copy;
    }

    /// <summary>detectron2's <c>CfgNode.merge_from_file</c>: the version check and v1 upgrade around yacs' merge.</summary>
    private static CfgNode MergeFromFile(CfgNode cfg, string path, YamlLimits limits) => Merge(cfg, BaseChainLoader.Load(path, limits), path);

    private static CfgNode Merge(CfgNode cfg, CfgNode loaded, string path)
    {
        long loadedVersion;
        if (!loaded.TryGetChild("VERSION", out var versionValue) || versionValue is null)
        {
            loadedVersion = ConfigVersionConverter.GuessVersion(loaded);
        }
        else
        {
            loadedVersion = versionValue is long v
                ? v
                : throw new ConfigException($"{path}: VERSION must be an int, found {CfgValue.PythonTypeName(versionValue)} {CfgValue.ToPythonRepr(versionValue)}{YacsMerge.Where(loaded.OriginOf("VERSION"))}");
        }

        if (loadedVersion > ConfigVersionConverter.LatestVersion)
        {
            throw new ConfigException($"{path}: Cannot merge a v{loadedVersion} config into a v{ConfigVersionConverter.LatestVersion} config.");
        }

        if (loadedVersion < 0)
        {
            throw new ConfigException($"{path}: VERSION {loadedVersion} is not a Detectron2 config version");
        }

        if (loadedVersion == ConfigVersionConverter.LatestVersion)
        {
            YacsMerge.MergeInto(loaded, cfg, string.Empty);
            return cfg;
        }

        // "To convert, first obtain a full config at an old version", merge, then upgrade.
        var old = ConfigVersionConverter.Downgrade(cfg, loadedVersion);
        YacsMerge.MergeInto(loaded, old, string.Empty);
        return ConfigVersionConverter.Upgrade(old);
    }
}
