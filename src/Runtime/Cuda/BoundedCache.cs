namespace Detserve.Runtime.Cuda;

/// <summary>
/// At most <c>capacity</c> disposable values by key, least recently used evicted (and disposed) first: CUDA graphs and shape plans
/// hold device memory, so the number of distinct shapes a long-running server sees must not grow it without bound. Owns its values.
/// Not thread-safe (the detector serializes runs).
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(int capacity) : IDisposable
    where TKey : notnull
    where TValue : IDisposable
{
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _map = [];
    private readonly LinkedList<(TKey Key, TValue Value)> _order = new();

    /// <summary>Most values held.</summary>
    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be >= 1");

    /// <summary>Values held now.</summary>
    public int Count => _map.Count;

    /// <summary>The value for <paramref name="key"/>, made by <paramref name="create"/> when absent (evicting the least recently used when full).</summary>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (_map.TryGetValue(key, out var node))
        {
            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Value;
        }
        if (_map.Count >= Capacity)
        {
            var last = _order.Last!;
            _order.RemoveLast();
            _map.Remove(last.Value.Key);
            last.Value.Value.Dispose();
        }
        TValue value = create(key);
        _map[key] = _order.AddFirst((key, value));
        return value;
    }

    /// <summary>True when <paramref name="key"/> is held (does not refresh it).</summary>
    public bool Contains(TKey key) => _map.ContainsKey(key);

    /// <summary>Disposes every value, most recently used first.</summary>
    public void Dispose()
    {
        foreach ((_, TValue value) in _order) value.Dispose();
        _order.Clear();
        _map.Clear();
    }
}
