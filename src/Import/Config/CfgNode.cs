using System.Globalization;

namespace Detserve.Import.Config;

/// <summary>
/// A yacs-style config tree (yacs <c>CfgNode</c>, a Python dict): string keys in insertion order, each mapping to a
/// child <see cref="CfgNode"/> or a leaf (<see cref="bool"/>, <see cref="long"/>, <see cref="double"/>,
/// <see cref="string"/>, <c>null</c> or <see cref="CfgList"/>). Readers take dotted full paths such as
/// <c>MODEL.ROI_HEADS.NUM_CLASSES</c>; a missing key or a value of the wrong type throws a
/// <see cref="ConfigException"/> naming the key. Mutation is internal: the loader builds trees, users read them.
/// </summary>
public sealed class CfgNode
{
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>An empty node; trees are built by <see cref="ConfigLoader"/>.</summary>
    internal CfgNode() => Keys = _keys.AsReadOnly();

    /// <summary>The direct child keys, in insertion order (as a Python dict iterates).</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Number of direct children.</summary>
    public int Count => _keys.Count;

    /// <summary>True when the dotted path names a node or a leaf (a null leaf included).</summary>
    public bool Contains(string dottedKey) => TryGetValue(dottedKey, out _);

    /// <summary>The value at a dotted path: a leaf or a <see cref="CfgNode"/>.</summary>
    public object? GetValue(string dottedKey)
    {
        if (!TryGetValue(dottedKey, out var value))
        {
            throw new ConfigException($"Config key {dottedKey} does not exist");
        }

        return value;
    }

    /// <summary>Looks up a dotted path; false when any part of it is missing or passes through a leaf.</summary>
    public bool TryGetValue(string dottedKey, out object? value)
    {
        ArgumentNullException.ThrowIfNull(dottedKey);
        var node = this;
        var parts = dottedKey.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            if (!node._entries.TryGetValue(parts[i], out var entry))
            {
                break;
            }

            if (i == parts.Length - 1)
            {
                value = entry.Value;
                return true;
            }

            if (entry.Value is not CfgNode child)
            {
                break;
            }

            node = child;
        }

        value = null;
        return false;
    }

    /// <summary>
    /// Where the value at a dotted path was set: the YAML file and line (the last file of the <c>_BASE_</c> chain that
    /// wrote it), or null for a default, an override or a missing key.
    /// </summary>
    public SourceLocation? GetOrigin(string dottedKey)
    {
        ArgumentNullException.ThrowIfNull(dottedKey);
        var dot = dottedKey.LastIndexOf('.');
        if (dot < 0)
        {
            return OriginOf(dottedKey);
        }

        return TryGetValue(dottedKey[..dot], out var parent) && parent is CfgNode node ? node.OriginOf(dottedKey[(dot + 1)..]) : null;
    }

    /// <summary>An int leaf that fits in 32 bits (e.g. <c>MODEL.ROI_HEADS.NUM_CLASSES</c>).</summary>
    public int GetInt(string key)
    {
        var value = GetLong(key);
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new ConfigException($"Config key {key} = {value} does not fit in a 32-bit int");
        }

        return (int)value;
    }

    /// <summary>An int leaf.</summary>
    public long GetLong(string key) => GetValue(key) switch
    {
        long l => l,
        var other => throw WrongType(key, other, "an int"),
    };

    /// <summary>A float leaf; an int leaf is accepted too (Python code reading the config would take either).</summary>
    public double GetDouble(string key) => GetValue(key) switch
    {
        double d => d,
        long l => l,
        var other => throw WrongType(key, other, "a float"),
    };

    /// <summary>A bool leaf.</summary>
    public bool GetBool(string key) => GetValue(key) switch
    {
        bool b => b,
        var other => throw WrongType(key, other, "a bool"),
    };

    /// <summary>A str leaf.</summary>
    public string GetString(string key) => GetValue(key) switch
    {
        string s => s,
        var other => throw WrongType(key, other, "a str"),
    };

    /// <summary>A list or tuple of ints, e.g. <c>SOLVER.STEPS</c>.</summary>
    public IReadOnlyList<int> GetIntList(string key)
    {
        var list = GetList(key, "a list of ints");
        var result = new int[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            result[i] = list[i] is long l and >= int.MinValue and <= int.MaxValue
                ? (int)l
                : throw WrongType(key, list, "a list of ints");
        }

        return result;
    }

    /// <summary>A list or tuple of numbers (ints accepted), e.g. <c>MODEL.PIXEL_MEAN</c>.</summary>
    public IReadOnlyList<double> GetDoubleList(string key)
    {
        var list = GetList(key, "a list of floats");
        return ToDoubles(key, list, list);
    }

    /// <summary>A list or tuple of strings, e.g. <c>MODEL.RPN.IN_FEATURES</c>.</summary>
    public IReadOnlyList<string> GetStringList(string key)
    {
        var list = GetList(key, "a list of strs");
        var result = new string[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            result[i] = list[i] as string ?? throw WrongType(key, list, "a list of strs");
        }

        return result;
    }

    /// <summary>A list of lists of numbers, e.g. <c>MODEL.ANCHOR_GENERATOR.SIZES = [[32], [64], ...]</c>.</summary>
    public IReadOnlyList<IReadOnlyList<double>> GetDoubleListList(string key)
    {
        var list = GetList(key, "a list of lists of floats");
        var result = new IReadOnlyList<double>[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            result[i] = list[i] is CfgList inner
                ? ToDoubles(key, inner, list)
                : throw WrongType(key, list, "a list of lists of floats");
        }

        return result;
    }

    /// <summary>A deep copy (yacs <c>clone()</c>); lists are immutable and shared.</summary>
    public CfgNode Clone()
    {
        var copy = new CfgNode();
        foreach (var key in _keys)
        {
            var entry = _entries[key];
            copy.Set(key, entry.Value is CfgNode child ? child.Clone() : entry.Value, entry.Origin);
        }

        return copy;
    }

    /// <summary>
    /// The config as YAML, like Detectron2's <c>cfg.dump()</c> (yacs: <c>yaml.safe_dump</c> of the tree as dicts,
    /// keys sorted, block style; tuples are written as sequences).
    /// </summary>
    public string ToYaml() => CfgYamlWriter.Write(this);

    public override string ToString() => ToYaml();

    /// <summary>The direct child value of <paramref name="key"/> (no dotted path).</summary>
    internal bool TryGetChild(string key, out object? value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            value = entry.Value;
            return true;
        }

        value = null;
        return false;
    }

    internal bool ContainsChild(string key) => _entries.ContainsKey(key);

    internal SourceLocation? OriginOf(string key) => _entries.TryGetValue(key, out var e) ? e.Origin : null;

    /// <summary>Python <c>d[key] = value</c>: an existing key keeps its position, a new one goes last.</summary>
    internal void Set(string key, object? value, SourceLocation? origin)
    {
        if (value is not CfgNode && !CfgValue.IsLeaf(value))
        {
            throw new ArgumentException($"'{key}': {value!.GetType().Name} is not a config value type", nameof(value));
        }

        if (!_entries.ContainsKey(key))
        {
            _keys.Add(key);
        }

        _entries[key] = new Entry(value, origin);
    }

    /// <summary>Python <c>del d[key]</c>.</summary>
    internal bool Remove(string key)
    {
        if (!_entries.Remove(key))
        {
            return false;
        }

        _keys.Remove(key);
        return true;
    }

    /// <summary>Number of nodes and leaves in the tree, this node included (list items counted).</summary>
    internal int CountNodes()
    {
        var n = 1;
        foreach (var entry in _entries.Values)
        {
            n += entry.Value switch
            {
                CfgNode child => child.CountNodes(),
                CfgList list => CountList(list),
                _ => 1,
            };
        }

        return n;
    }

    internal static int CountList(CfgList list)
    {
        var n = 1;
        foreach (var item in list)
        {
            n += item is CfgList inner ? CountList(inner) : 1;
        }

        return n;
    }

    private CfgList GetList(string key, string expected) => GetValue(key) switch
    {
        CfgList list => list,
        var other => throw WrongType(key, other, expected),
    };

    private static double[] ToDoubles(string key, CfgList list, CfgList whole)
    {
        var result = new double[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            result[i] = list[i] switch
            {
                double d => d,
                long l => l,
                _ => throw WrongType(key, whole, "a list of floats"),
            };
        }

        return result;
    }

    private static ConfigException WrongType(string key, object? value, string expected) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"Config key {key} is {CfgValue.PythonTypeName(value)} {CfgValue.ToPythonRepr(value)}, expected {expected}"));

    private readonly record struct Entry(object? Value, SourceLocation? Origin);
}
