using System.Numerics;
using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// The value model of <see cref="PickleReader"/>: which CLR type stands for which Python value.
/// None = null, bool, int = long (or BigInteger beyond 64 bits), float = double, str = string (Python 2 str decoded
/// as latin-1, i.e. pickle.load(encoding="latin1")), bytes/bytearray = byte[], tuple = object?[], list = List&lt;object?&gt;,
/// dict/OrderedDict = <see cref="PickleDict"/>, set/frozenset = <see cref="PickleSet"/>,
/// numpy.ndarray / numpy scalar / torch.Tensor = <see cref="HostTensor"/>, numpy.dtype = <see cref="NumpyDType"/>,
/// an allowlisted class or function itself = <see cref="PickleGlobal"/>.
/// </summary>
public static class PickleValues
{
    /// <summary>Python's name for the type of <paramref name="value"/>, for messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        object?[] => "tuple",
        List<object?> => "list",
        PickleDict d => d.IsOrderedDict ? "collections.OrderedDict" : "dict",
        PickleSet s => s.IsFrozen ? "frozenset" : "set",
        HostTensor t => $"array({t.DType.NumpyName()}{t.ShapeText})",
        NumpyDType => "numpy.dtype",
        PickleGlobal g => g.FullName,
        _ => value.GetType().Name,
    };
}
