namespace Detserve.Import.Config;

/// <summary>
/// fvcore's <c>CfgNode.load_yaml_with_base</c> (fvcore/common/config.py): load a YAML file; if it has <c>_BASE_</c>
/// (a path, or a list of paths merged left to right), load the base(s) first, relative to the including file, and merge
/// the file's own keys over them as plain dicts (child wins key by key, lists replaced whole; a mapping cannot replace a
/// non-mapping: "Cannot inherit key ... from base!"). Unlike fvcore, a <c>_BASE_</c> cycle is reported with the files
/// that form it instead of recursing forever, and URLs are refused (nothing is downloaded).
/// </summary>
internal static class BaseChainLoader
{
    internal const string BaseKey = "_BASE_";

    /// <summary>The merged raw tree of <paramref name="path"/> and its bases, <c>_BASE_</c> removed.</summary>
    public static CfgNode Load(string path, YamlLimits limits) => Load(path, [], limits, new LoadBudget());

    private static CfgNode Load(string path, List<string> chain, YamlLimits limits, LoadBudget budget)
    {
        var fullPath = Path.GetFullPath(path);
        var cycleStart = chain.IndexOf(fullPath);
        if (cycleStart >= 0)
        {
            var cycle = chain.Skip(cycleStart).Append(fullPath);
            throw new ConfigException($"_BASE_ cycle: {string.Join(" -> ", cycle)}");
        }

        if (chain.Count >= limits.MaxBaseDepth)
        {
            throw new ConfigException($"{path}: _BASE_ chain deeper than {limits.MaxBaseDepth} files");
        }

        budget.Files++;
        if (budget.Files > limits.MaxBaseFiles)
        {
            throw new ConfigException($"{path}: the _BASE_ graph reads more than {limits.MaxBaseFiles} files");
        }

        var top = YamlTreeReader.ReadFile(path, limits, budget);
        var cfg = top switch
        {
            CfgNode node => node,
            null => throw new ConfigException($"{path}: the config file is empty; it must be a YAML mapping"),
            _ => throw new ConfigException($"{path}: the top level of a config file must be a mapping, found {CfgValue.PythonTypeName(top)}"),
        };

        if (!cfg.TryGetChild(BaseKey, out var baseValue))
        {
            return cfg;
        }

        var origin = cfg.OriginOf(BaseKey);
        chain.Add(fullPath);
        CfgNode baseCfg;
        switch (baseValue)
        {
            case string single:
                baseCfg = LoadBase(single, path, origin, chain, limits, budget);
                break;
            case CfgList { IsTuple: false } many when many.All(m => m is string):
                baseCfg = new CfgNode();
                foreach (var file in many.Cast<string>())
                {
                    MergeDicts(LoadBase(file, path, origin, chain, limits, budget), baseCfg, string.Empty);
                }

                break;
            default:
                throw new ConfigException($"{origin}: _BASE_ must be a file name or a list of file names, found {CfgValue.PythonTypeName(baseValue)} {CfgValue.ToPythonRepr(baseValue)}");
        }

        chain.RemoveAt(chain.Count - 1);
        cfg.Remove(BaseKey);
        MergeDicts(cfg, baseCfg, string.Empty);
        return baseCfg;
    }

    private static CfgNode LoadBase(string baseFile, string includer, SourceLocation? origin, List<string> chain, YamlLimits limits, LoadBudget budget)
    {
        if (baseFile.StartsWith("https://", StringComparison.Ordinal) || baseFile.StartsWith("http://", StringComparison.Ordinal))
        {
            throw new ConfigException($"{origin}: _BASE_ '{baseFile}' is a URL; Detserve does not download configs, give a local file");
        }

        var resolved = baseFile;
        if (resolved == "~" || resolved.StartsWith("~/", StringComparison.Ordinal))
        {
            // os.path.expanduser
            resolved = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + resolved[1..];
        }

        if (!resolved.StartsWith('/'))
        {
            // "the path to base cfg is relative to the config file itself"
            resolved = Path.Combine(Path.GetDirectoryName(includer) ?? string.Empty, resolved);
        }

        if (!File.Exists(resolved))
        {
            throw new ConfigException($"{origin}: base config '{baseFile}' (resolved to '{resolved}') does not exist");
        }

        return Load(resolved, chain, limits, budget);
    }

    /// <summary>fvcore's <c>merge_a_into_b</c> on plain dicts: values of <paramref name="a"/> overwrite those of <paramref name="b"/>.</summary>
    internal static void MergeDicts(CfgNode a, CfgNode b, string keyPrefix)
    {
        foreach (var key in a.Keys)
        {
            a.TryGetChild(key, out var value);
            var fullKey = keyPrefix.Length == 0 ? key : $"{keyPrefix}.{key}";
            if (value is CfgNode child && b.TryGetChild(key, out var existing))
            {
                if (existing is not CfgNode existingNode)
                {
                    throw new ConfigException($"Cannot inherit key '{key}' from base! ({fullKey}{YacsMerge.Where(a.OriginOf(key))} is a mapping, the base has {CfgValue.PythonTypeName(existing)} {CfgValue.ToPythonRepr(existing)}{YacsMerge.Where(b.OriginOf(key))})");
                }

                MergeDicts(child, existingNode, fullKey);
            }
            else
            {
                b.Set(key, value, a.OriginOf(key));
            }
        }
    }
}
