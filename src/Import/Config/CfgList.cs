using System.Collections;

namespace Detserve.Import.Config;

/// <summary>
/// An immutable ordered sequence of config leaves (<see cref="bool"/>, <see cref="long"/>, <see cref="double"/>,
/// <see cref="string"/>, <c>null</c> or a nested <see cref="CfgList"/>). <see cref="IsTuple"/> records whether yacs
/// holds it as a Python tuple (e.g. <c>SOLVER.STEPS = (30000,)</c>) or a list (<c>MODEL.PIXEL_MEAN = [...]</c>);
/// yacs converts between the two when a file writes one where the default has the other.
/// </summary>
public sealed class CfgList : IReadOnlyList<object?>
{
    private readonly object?[] _items;

    public CfgList(IEnumerable<object?> items, bool isTuple)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.ToArray();
        for (var i = 0; i < _items.Length; i++)
        {
            if (!CfgValue.IsLeaf(_items[i]))
            {
                throw new ArgumentException(
                    $"CfgList item {i} has type {_items[i]!.GetType().Name}; only bool, long, double, string, null and CfgList are allowed",
                    nameof(items));
            }
        }

        IsTuple = isTuple;
    }

    /// <summary>True when yacs keeps this value as a Python tuple, false for a list.</summary>
    public bool IsTuple { get; }

    public int Count => _items.Length;

    public object? this[int index] => _items[index];

    /// <summary>The same items as a tuple (<paramref name="isTuple"/> true) or a list; yacs' list &lt;-&gt; tuple cast.</summary>
    public CfgList WithTupleness(bool isTuple) => isTuple == IsTuple ? this : new CfgList(_items, isTuple);

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public override string ToString() => CfgValue.ToPythonRepr(this);
}
