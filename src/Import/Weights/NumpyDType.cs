using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// A numpy.dtype read from a pickle: numpy pickles it as REDUCE(numpy.dtype, (typestr, False, True)) followed by
/// BUILD with the state tuple (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
/// (numpy/core/src/multiarray/descriptor.c arraydescr_reduce / arraydescr_setstate). Only plain numeric dtypes are read.
/// </summary>
public sealed class NumpyDType
{
    internal NumpyDType(DType dtype, bool bigEndian)
    {
        DType = dtype;
        BigEndian = bigEndian;
    }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>True when the data bytes are big-endian ('&gt;'); they are swapped to little-endian when read.</summary>
    public bool BigEndian { get; internal set; }

    /// <summary>Maps a numpy type string ("f4", "&lt;i8", "|u1", "b1") to a dtype; null when it is not one Detserve reads.</summary>
    internal static NumpyDType? FromTypeString(string typeString)
    {
        bool bigEndian = false;
        string s = typeString;
        if (s.Length > 0 && s[0] is '<' or '>' or '|' or '=')
        {
            bigEndian = s[0] == '>';
            s = s[1..];
        }
        DType? dtype = s switch
        {
            "f2" => DType.Float16,
            "f4" => DType.Float32,
            "f8" => DType.Float64,
            "i8" => DType.Int64,
            "i4" => DType.Int32,
            "u1" => DType.UInt8,
            "b1" => DType.Bool,
            _ => null,
        };
        return dtype is null ? null : new NumpyDType(dtype.Value, bigEndian && dtype.Value.SizeBytes() > 1);
    }
}
