using System.Text;
using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// Turns numpy's pickled array state into a <see cref="HostTensor"/>. numpy's ndarray.__reduce__ gives
/// (_reconstruct, (ndarray, (0,), b'b'), state) with state = (version, shape, dtype, is_fortran, rawdata)
/// (numpy/core/src/multiarray/methods.c array_reduce; array_setstate also accepts the 4-tuple without version).
/// rawdata is bytes, or a latin-1 str in Python 2 pickles read with encoding="latin1" (array_setstate encodes it back).
/// </summary>
internal static class NumpyArrayState
{
    public static HostTensor FromState(object? state, PickleLimits limits, Action<long> declare)
    {
        if (state is not object?[] tuple || tuple.Length is not (4 or 5))
            throw new PickleRefusal($"numpy array state must be a 4- or 5-tuple, got {PickleValues.TypeName(state)}");
        int at = tuple.Length == 5 ? 1 : 0;
        if (tuple.Length == 5 && tuple[0] is not long) throw new PickleRefusal("numpy array state version is not an int");
        int[] shape = ReadShape(tuple[at], limits, out long count);
        if (tuple[at + 1] is not NumpyDType dtype) throw new PickleRefusal($"numpy array dtype is a {PickleValues.TypeName(tuple[at + 1])}, not a numpy.dtype");
        bool fortran = tuple[at + 2] switch
        {
            bool b => b,
            long l => l != 0,
            _ => throw new PickleRefusal("numpy array is_fortran flag is not a bool"),
        };
        byte[] raw = tuple[at + 3] switch
        {
            byte[] rawBytes => rawBytes,
            string latin1 => Latin1Bytes(latin1),
            List<object?> => throw new PickleRefusal("numpy object arrays (data pickled as a list) are not supported"),
            var other => throw new PickleRefusal($"numpy array data is a {PickleValues.TypeName(other)}, not bytes"),
        };
        int itemSize = dtype.DType.SizeBytes();
        if (raw.LongLength != count * itemSize)
            throw new PickleRefusal($"numpy array data has {raw.LongLength} bytes but shape [{string.Join(", ", shape)}] of {dtype.DType.NumpyName()} needs {count * itemSize}");
        declare(raw.LongLength);
        byte[] bytes = raw;
        if (fortran && shape.Length > 1)
        {
            // Fortran order is converted to the C order HostTensor holds (same values, transposed layout).
            bytes = StridedLayout.Gather(raw, 0, shape, StridedLayout.FortranStrides(shape), itemSize, count);
        }
        else if (dtype.BigEndian)
        {
            bytes = (byte[])raw.Clone();
        }
        if (dtype.BigEndian) StridedLayout.SwapBytes(bytes, itemSize);
        return new HostTensor(dtype.DType, shape, bytes);
    }

    /// <summary>
    /// numpy.core.numeric._frombuffer(buffer, dtype, shape, order): frombuffer(buffer, dtype).reshape(shape, order=order),
    /// what numpy's array_reduce_ex writes for pickle protocol 5 (the buffer is in-band bytes or bytearray).
    /// </summary>
    public static HostTensor FromBuffer(object?[] args, PickleLimits limits, Action<long> declare)
    {
        if (args.Length != 4 || args[0] is not byte[] raw || args[1] is not NumpyDType dtype || args[3] is not ("C" or "F"))
            throw new PickleRefusal("numpy _frombuffer is only read as _frombuffer(bytes, dtype, shape, 'C' or 'F')");
        int[] shape = ReadShape(args[2], limits, out long count);
        int itemSize = dtype.DType.SizeBytes();
        if (raw.LongLength != count * itemSize)
            throw new PickleRefusal($"numpy array buffer has {raw.LongLength} bytes but shape [{string.Join(", ", shape)}] of {dtype.DType.NumpyName()} needs {count * itemSize}");
        declare(raw.LongLength);
        byte[] bytes = (string)args[3]! == "F" && shape.Length > 1
            ? StridedLayout.Gather(raw, 0, shape, StridedLayout.FortranStrides(shape), itemSize, count)
            : (byte[])raw.Clone();
        if (dtype.BigEndian) StridedLayout.SwapBytes(bytes, itemSize);
        return new HostTensor(dtype.DType, shape, bytes);
    }

    /// <summary>numpy.core.multiarray.scalar(dtype, data): a numpy scalar, read as a rank-0 tensor.</summary>
    public static HostTensor Scalar(object?[] args, Action<long> declare)
    {
        if (args.Length != 2 || args[0] is not NumpyDType dtype)
            throw new PickleRefusal("numpy scalar is only read as scalar(dtype, bytes)");
        byte[] raw = args[1] switch
        {
            byte[] b => b,
            string s => Latin1Bytes(s),
            _ => throw new PickleRefusal($"numpy scalar data is a {PickleValues.TypeName(args[1])}, not bytes"),
        };
        if (raw.Length != dtype.DType.SizeBytes())
            throw new PickleRefusal($"numpy {dtype.DType.NumpyName()} scalar has {raw.Length} bytes");
        declare(raw.Length);
        byte[] bytes = (byte[])raw.Clone();
        if (dtype.BigEndian) StridedLayout.SwapBytes(bytes, bytes.Length);
        return new HostTensor(dtype.DType, [], bytes);
    }

    /// <summary>
    /// numpy.dtype's state (arraydescr_setstate): (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]);
    /// versions before 3 have fewer items. Only plain (no fields, no subarray) dtypes are read; byteorder '&gt;' means big-endian.
    /// </summary>
    public static void ApplyDTypeState(NumpyDType dtype, object? state)
    {
        if (state is not object?[] tuple || tuple.Length is < 5 or > 9)
            throw new PickleRefusal($"numpy.dtype state must be a 5- to 9-tuple, got {PickleValues.TypeName(state)}");
        int endianAt = tuple.Length == 5 ? 0 : 1;
        if (tuple[endianAt] is not string order || order.Length != 1 || order[0] is not ('<' or '>' or '|' or '='))
            throw new PickleRefusal("numpy.dtype state has no byte order ('<', '>', '|' or '=')");
        for (int i = endianAt + 1; i < tuple.Length; i++)
        {
            bool isMetadata = tuple.Length == 9 && i == 8;
            if (tuple[i] is object?[] or List<object?> || (tuple[i] is PickleDict d && !(isMetadata && d.Count == 0)))
                throw new PickleRefusal("numpy structured or sub-array dtypes (fields, names, subarray) are not supported");
        }
        dtype.BigEndian = order[0] == '>' && dtype.DType.SizeBytes() > 1;
    }

    internal static int[] ReadShape(object? value, PickleLimits limits, out long count)
    {
        if (value is not object?[] dims) throw new PickleRefusal($"array shape is a {PickleValues.TypeName(value)}, not a tuple");
        var shape = new int[dims.Length];
        count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] is not long d || d < 0 || d > int.MaxValue)
                throw new PickleRefusal($"array dimension {i} is {dims[i] ?? "None"}, not a size in [0, {int.MaxValue}]");
            shape[i] = (int)d;
            count = count > 0 && d > limits.MaxElementCount / Math.Max(count, 1) ? limits.MaxElementCount + 1 : count * d;
        }
        if (count > limits.MaxElementCount)
            throw new PickleRefusal($"array of shape [{string.Join(", ", shape)}] has more than {limits.MaxElementCount} elements (PickleLimits.MaxElementCount)");
        return shape;
    }

    private static byte[] Latin1Bytes(string text)
    {
        foreach (char c in text)
            if (c > '\u00ff') throw new PickleRefusal("numpy array data str has a character beyond U+00FF (not latin-1 decoded bytes)");
        return Encoding.Latin1.GetBytes(text);
    }
}
