namespace Detserve.Import.Weights;

/// <summary>
/// A Python dict (or collections.OrderedDict) read from a pickle: insertion-ordered, and setting an existing key
/// replaces its value in place, as in Python. Keys are the hashable pickle values (None, bool, int, float, str, bytes, tuples).
/// </summary>
public sealed class PickleDict
{
    private readonly List<object?> _keys = [];
    private readonly List<object?> _values = [];
    private readonly Dictionary<object, int> _index = new(PickleKeyComparer.Instance);

    /// <summary>True when the pickle built it as collections.OrderedDict (torch state dicts are).</summary>
    public bool IsOrderedDict { get; init; }

    /// <summary>Number of entries.</summary>
    public int Count => _keys.Count;

    /// <summary>Keys in insertion order.</summary>
    public IReadOnlyList<object?> Keys => _keys;

    /// <summary>Values, in the order of <see cref="Keys"/>.</summary>
    public IReadOnlyList<object?> Values => _values;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>; an existing key keeps its position.</summary>
    /// <exception cref="ArgumentException">the key is not hashable in Python.</exception>
    public void Set(object? key, object? value)
    {
        if (!PickleKeyComparer.IsHashable(key))
            throw new ArgumentException($"unhashable dict key of type {PickleValues.TypeName(key)}", nameof(key));
        object wrapped = key ?? PickleKeyComparer.NoneKey;
        if (_index.TryGetValue(wrapped, out int at))
        {
            _values[at] = value;
            return;
        }
        _index.Add(wrapped, _keys.Count);
        _keys.Add(key);
        _values.Add(value);
    }

    /// <summary>Looks a key up with Python's equality.</summary>
    public bool TryGetValue(object? key, out object? value)
    {
        if (PickleKeyComparer.IsHashable(key) && _index.TryGetValue(key ?? PickleKeyComparer.NoneKey, out int at))
        {
            value = _values[at];
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool ContainsKey(object? key) => TryGetValue(key, out _);
}
