namespace Detserve.Import.Weights;

/// <summary>A Python set or frozenset read from a pickle (EMPTY_SET/ADDITEMS/FROZENSET, or builtins.set/frozenset); items in insertion order, no duplicates.</summary>
public sealed class PickleSet
{
    private readonly List<object?> _items = [];
    private readonly HashSet<object> _seen = new(PickleKeyComparer.Instance);

    /// <summary>Creates an empty set.</summary>
    public PickleSet(bool isFrozen) => IsFrozen = isFrozen;

    /// <summary>True for frozenset.</summary>
    public bool IsFrozen { get; }

    /// <summary>Items in insertion order.</summary>
    public IReadOnlyList<object?> Items => _items;

    /// <summary>Number of items.</summary>
    public int Count => _items.Count;

    /// <summary>Adds an item unless an equal one is present.</summary>
    /// <exception cref="ArgumentException">the item is not hashable in Python.</exception>
    public void Add(object? item)
    {
        if (!PickleKeyComparer.IsHashable(item))
            throw new ArgumentException($"unhashable set item of type {PickleValues.TypeName(item)}", nameof(item));
        if (_seen.Add(item ?? PickleKeyComparer.NoneKey)) _items.Add(item);
    }

    /// <summary>True when an equal item is present.</summary>
    public bool Contains(object? item) => PickleKeyComparer.IsHashable(item) && _seen.Contains(item ?? PickleKeyComparer.NoneKey);
}
