namespace Detserve.Import.Config;

/// <summary>
/// yacs' merge rules (yacs/config.py <c>_merge_a_into_b</c>, <c>_check_and_coerce_cfg_value_type</c>,
/// <c>CfgNode._decode_cfg_value</c>, <c>CfgNode.merge_from_list</c>) with fvcore's <c>_BASE_</c> guard. Every merged
/// string is first tried as a Python literal, so <c>STEPS: (60000, 80000)</c> in YAML becomes a tuple and
/// <c>BASE_LR: 1e-4</c> (a string to YAML) a float. A new value must have the old value's exact Python type, except that
/// None replaces or is replaced by anything, and a list and a tuple convert into each other; int never becomes float.
/// </summary>
internal static class YacsMerge
{
    private const string BaseKey = "_BASE_";

    /// <summary><c>_merge_a_into_b(a, b)</c>: every key of <paramref name="a"/> must exist in <paramref name="b"/>.</summary>
    public static void MergeInto(CfgNode a, CfgNode b, string keyPrefix)
    {
        foreach (var key in a.Keys.ToList())
        {
            var fullKey = keyPrefix.Length == 0 ? key : $"{keyPrefix}.{key}";
            a.TryGetChild(key, out var raw);
            var origin = a.OriginOf(key);
            var value = Decode(raw);
            if (!b.TryGetChild(key, out var original))
            {
                throw new ConfigException($"Non-existent config key: {fullKey}{Where(origin)}");
            }

            value = CheckAndCoerce(value, original, fullKey, origin);
            if (value is CfgNode child)
            {
                MergeInto(child, (CfgNode)original!, fullKey);
            }
            else
            {
                b.Set(key, value, origin);
            }
        }
    }

    /// <summary>
    /// <c>merge_from_list</c>: <c>KEY VALUE</c> pairs as on Detectron2's command line; each value is decoded as a
    /// Python literal (a string when it is not one) and type-checked against the current value.
    /// </summary>
    public static void MergeFromList(CfgNode root, IReadOnlyList<string> opts)
    {
        if (opts.Count % 2 != 0)
        {
            throw new ConfigException($"Override list has odd length: [{string.Join(", ", opts.Select(o => CfgValue.ToPythonRepr(o)))}]; it must be a list of pairs");
        }

        for (var i = 0; i < opts.Count; i += 2)
        {
            if (opts[i] == BaseKey)
            {
                throw new ConfigException($"The reserved key '{BaseKey}' can only be used in files!");
            }
        }

        for (var i = 0; i < opts.Count; i += 2)
        {
            var fullKey = opts[i];
            var parts = fullKey.Split('.');
            var node = root;
            for (var p = 0; p < parts.Length - 1; p++)
            {
                node = node.TryGetChild(parts[p], out var child) && child is CfgNode childNode
                    ? childNode
                    : throw new ConfigException($"Non-existent key: {fullKey} (override {(i / 2) + 1})");
            }

            if (!node.TryGetChild(parts[^1], out var original))
            {
                throw new ConfigException($"Non-existent key: {fullKey} (override {(i / 2) + 1})");
            }

            var value = CheckAndCoerce(Decode(opts[i + 1]), original, fullKey, origin: null);
            node.Set(parts[^1], value, origin: null);
        }
    }

    /// <summary><c>_decode_cfg_value</c>: a string is replaced by its <c>ast.literal_eval</c> value when it has one.</summary>
    public static object? Decode(object? value) =>
        value is string s && PythonLiteral.TryParse(s, out var literal) ? literal : value;

    /// <summary><c>_check_and_coerce_cfg_value_type</c>.</summary>
    public static object? CheckAndCoerce(object? replacement, object? original, string fullKey, SourceLocation? origin)
    {
        var replacementType = CfgValue.PythonTypeName(replacement);
        var originalType = CfgValue.PythonTypeName(original);
        var replacementValid = replacement is not (CfgNode or PythonUnsupportedValue);
        var originalValid = original is not CfgNode;
        if (replacement is not PythonUnsupportedValue && replacementType == originalType)
        {
            return replacement;
        }

        if ((replacement is null && originalValid) || (original is null && replacementValid))
        {
            return replacement;
        }

        if (replacement is CfgList list && original is CfgList)
        {
            return list.WithTupleness(!list.IsTuple);
        }

        var replacementRepr = replacement is PythonUnsupportedValue u ? $"<{u.TypeName}>" : CfgValue.ToPythonRepr(replacement);
        throw new ConfigException(
            $"Type mismatch ({originalType} vs. {replacementType}) with values ({CfgValue.ToPythonRepr(original)} vs. {replacementRepr}) for config key: {fullKey}{Where(origin)}");
    }

    internal static string Where(SourceLocation? origin) => origin is { } o ? $" (set in {o})" : string.Empty;
}
