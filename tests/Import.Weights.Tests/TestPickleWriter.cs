using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using Detserve.Graph;
using Detserve.Import.Weights;

namespace Detserve.Import.Weights.Tests;

/// <summary>
/// Test-only pickle writer for the value model of PickleValues, in any protocol 0-5, written after Lib/pickle.py's
/// _Pickler (the opcodes each protocol uses) and numpy's ndarray.__reduce__ for arrays. It memoizes globals and dtypes
/// and refers back to them with GET opcodes, as real pickles do.
/// </summary>
internal sealed class TestPickleWriter
{
    private readonly MemoryStream _out = new();
    private readonly int _protocol;
    private readonly Dictionary<string, int> _memo = [];
    private int _nextMemo;

    private TestPickleWriter(int protocol) => _protocol = protocol;

    /// <summary>Write arrays in Fortran order (2-D and up).</summary>
    public bool FortranArrays { get; init; }

    /// <summary>Write array data big-endian (dtype byte order '&gt;').</summary>
    public bool BigEndianArrays { get; init; }

    /// <summary>Use numpy 2's module name numpy._core.</summary>
    public bool Numpy2 { get; init; }

    /// <summary>Write as Python 2 did: bytes and ASCII str as (SHORT_)BINSTRING, which pickle.load(encoding="latin1") reads as str.</summary>
    public bool Python2 { get; init; }

    public static byte[] Write(object? value, int protocol, bool fortran = false, bool bigEndian = false, bool numpy2 = false, bool python2 = false)
    {
        var w = new TestPickleWriter(protocol) { FortranArrays = fortran, BigEndianArrays = bigEndian, Numpy2 = numpy2, Python2 = python2 };
        if (protocol >= 2) w.Bytes(0x80, (byte)protocol);
        w.Save(value);
        w.Byte((byte)'.');
        return w._out.ToArray();
    }

    private void Save(object? value)
    {
        switch (value)
        {
            case null: Byte((byte)'N'); break;
            case bool b:
                if (_protocol >= 2) Byte(b ? (byte)0x88 : (byte)0x89);
                else Ascii(b ? "I01\n" : "I00\n");
                break;
            case long l: SaveInt(l); break;
            case BigInteger big: SaveBig(big); break;
            case double d:
                if (_protocol >= 1)
                {
                    Byte((byte)'G');
                    Span<byte> b8 = stackalloc byte[8];
                    BinaryPrimitives.WriteDoubleBigEndian(b8, d);
                    _out.Write(b8);
                }
                else
                {
                    string text = double.IsNaN(d) ? "nan" : double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf" : d.ToString("R", CultureInfo.InvariantCulture);
                    Ascii("F" + text + "\n");
                }
                break;
            case string s: SaveString(s); break;
            case byte[] bytes: SaveBytes(bytes); break;
            case object?[] tuple: SaveTuple(tuple); break;
            case List<object?> list: SaveList(list); break;
            case PickleDict dict: SaveDict(dict); break;
            case HostTensor tensor: SaveArray(tensor); break;
            default: throw new ArgumentException($"cannot write {value.GetType()}");
        }
    }

    private void SaveInt(long l)
    {
        if (_protocol >= 1 && l >= 0 && l <= 0xff) Bytes((byte)'K', (byte)l);
        else if (_protocol >= 1 && l >= 0 && l <= 0xffff)
        {
            Byte((byte)'M');
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)l);
            _out.Write(b);
        }
        else if (_protocol >= 1 && l >= int.MinValue && l <= int.MaxValue)
        {
            Byte((byte)'J');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)l);
            _out.Write(b);
        }
        else if (_protocol >= 2) SaveBig(l);
        else Ascii("I" + l.ToString(CultureInfo.InvariantCulture) + "\n");
    }

    private void SaveBig(BigInteger big)
    {
        if (_protocol >= 2)
        {
            byte[] b = big.IsZero ? [] : big.ToByteArray(isUnsigned: false, isBigEndian: false);
            if (b.Length < 256) Bytes(0x8a, (byte)b.Length);
            else
            {
                Byte(0x8b);
                Span<byte> n = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(n, b.Length);
                _out.Write(n);
            }
            _out.Write(b);
        }
        else Ascii("L" + big.ToString(CultureInfo.InvariantCulture) + "L\n");
    }

    private void SaveString(string s)
    {
        if (Python2 && _protocol >= 1 && s.All(c => c < 0x80))
        {
            SaveBinString(Encoding.ASCII.GetBytes(s));
            return;
        }
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        if (_protocol >= 4 && utf8.Length < 256) Bytes(0x8c, (byte)utf8.Length);
        else if (_protocol >= 1) { Byte((byte)'X'); Len32(utf8.Length); }
        else
        {
            // save_str at protocol 0: raw-unicode-escape after escaping what would break the line.
            var sb = new StringBuilder();
            foreach (Rune r in s.EnumerateRunes())
            {
                if (r.Value is '\\' or '\0' or '\n' or '\r' or 0x1a || r.Value > 0xffff) sb.Append(r.Value > 0xffff ? $"\\U{r.Value:x8}" : $"\\u{r.Value:x4}");
                else if (r.Value > 0xff) sb.Append($"\\u{r.Value:x4}");
                else sb.Append((char)r.Value);
            }
            Byte((byte)'V');
            _out.Write(Encoding.Latin1.GetBytes(sb.ToString()));
            Byte((byte)'\n');
            Memo();
            return;
        }
        _out.Write(utf8);
        Memo();
    }

    private void SaveBinString(byte[] bytes)
    {
        if (bytes.Length < 256) Bytes((byte)'U', (byte)bytes.Length);
        else { Byte((byte)'T'); Len32(bytes.Length); }
        _out.Write(bytes);
        Memo();
    }

    private void SaveBytes(byte[] bytes)
    {
        if (Python2 && _protocol >= 1)
        {
            SaveBinString(bytes);
            return;
        }
        if (_protocol >= 3)
        {
            if (bytes.Length < 256) Bytes((byte)'C', (byte)bytes.Length);
            else { Byte((byte)'B'); Len32(bytes.Length); }
            _out.Write(bytes);
            Memo();
            return;
        }
        // Protocol < 3: bytes are _codecs.encode(latin1 str, 'latin1'), and b'' is bytes() (pickle.py save_bytes).
        if (bytes.Length == 0)
        {
            Global("builtins", "bytes");
            SaveTuple([]);
            Byte((byte)'R');
            return;
        }
        Global("_codecs", "encode");
        SaveTuple([Encoding.Latin1.GetString(bytes), "latin1"]);
        Byte((byte)'R');
        Memo();
    }

    private void SaveTuple(object?[] tuple)
    {
        if (tuple.Length == 0) { if (_protocol >= 1) Byte((byte)')'); else Ascii("(t"); return; }
        if (_protocol >= 2 && tuple.Length <= 3)
        {
            foreach (object? item in tuple) Save(item);
            Byte((byte)(0x85 + tuple.Length - 1));
        }
        else
        {
            Byte((byte)'(');
            foreach (object? item in tuple) Save(item);
            Byte((byte)'t');
        }
        Memo();
    }

    private void SaveList(List<object?> list)
    {
        if (_protocol >= 1)
        {
            Byte((byte)']');
            Memo();
            if (list.Count == 0) return;
            Byte((byte)'(');
            foreach (object? item in list) Save(item);
            Byte((byte)'e');
        }
        else
        {
            Ascii("(l");
            Memo();
            foreach (object? item in list) { Save(item); Byte((byte)'a'); }
        }
    }

    private void SaveDict(PickleDict dict)
    {
        if (dict.IsOrderedDict)
        {
            Global("collections", "OrderedDict");
            SaveTuple([]);
            Byte((byte)'R');
        }
        else if (_protocol >= 1) Byte((byte)'}');
        else Ascii("(d");
        Memo();
        if (_protocol >= 1)
        {
            if (dict.Count == 0) return;
            Byte((byte)'(');
            for (int i = 0; i < dict.Count; i++) { Save(dict.Keys[i]); Save(dict.Values[i]); }
            Byte((byte)'u');
        }
        else
        {
            for (int i = 0; i < dict.Count; i++) { Save(dict.Keys[i]); Save(dict.Values[i]); Byte((byte)'s'); }
        }
    }

    private void SaveArray(HostTensor tensor)
    {
        if (_protocol >= 5)
        {
            SaveArrayFromBuffer(tensor);
            return;
        }
        string core = Numpy2 ? "numpy._core.multiarray" : "numpy.core.multiarray";
        Global(core, "_reconstruct");
        if (_protocol < 2) Byte((byte)'(');
        Global("numpy", "ndarray");
        SaveTuple([0L]);
        SaveBytes("b"u8.ToArray());
        Byte(_protocol >= 2 ? (byte)0x87 : (byte)'t');
        Byte((byte)'R');
        Memo();
        int itemSize = tensor.DType.SizeBytes();
        bool fortran = FortranArrays && tensor.Shape.Count > 1;
        byte[] raw = fortran ? ToFortran(tensor) : tensor.Bytes.ToArray();
        if (BigEndianArrays) for (int i = 0; i < raw.Length; i += itemSize) Array.Reverse(raw, i, itemSize);
        Byte((byte)'(');
        Save(1L);
        Save(tensor.Shape.Select(d => (object?)(long)d).ToArray());
        SaveDType(tensor.DType);
        Save(fortran);
        SaveBytes(raw);
        Byte((byte)'t');
        Memo();
        Byte((byte)'b');
    }

    /// <summary>numpy's array_reduce_ex at protocol 5: _frombuffer(bytearray, dtype, shape, order), the buffer in-band as BYTEARRAY8.</summary>
    private void SaveArrayFromBuffer(HostTensor tensor)
    {
        Global(Numpy2 ? "numpy._core.numeric" : "numpy.core.numeric", "_frombuffer");
        int itemSize = tensor.DType.SizeBytes();
        bool fortran = FortranArrays && tensor.Shape.Count > 1;
        byte[] raw = fortran ? ToFortran(tensor) : tensor.Bytes.ToArray();
        if (BigEndianArrays) for (int i = 0; i < raw.Length; i += itemSize) Array.Reverse(raw, i, itemSize);
        Byte((byte)'(');
        Byte(0x96);
        Span<byte> n = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(n, raw.Length);
        _out.Write(n);
        _out.Write(raw);
        Memo();
        SaveDType(tensor.DType);
        Save(tensor.Shape.Select(d => (object?)(long)d).ToArray());
        Save(fortran ? "F" : "C");
        Byte((byte)'t');
        Memo();
        Byte((byte)'R');
        Memo();
    }

    private void SaveDType(DType dtype)
    {
        string typeString = dtype switch
        {
            DType.Float32 => "f4", DType.Float16 => "f2", DType.Float64 => "f8", DType.Int64 => "i8",
            DType.Int32 => "i4", DType.UInt8 => "u1", DType.Bool => "b1", _ => throw new ArgumentException(dtype.ToString()),
        };
        string key = "dtype:" + typeString + (BigEndianArrays ? ">" : "<");
        if (TryGet(key)) return;
        Global("numpy", "dtype");
        SaveTuple([typeString, false, true]);
        Byte((byte)'R');
        Memo(key);
        string order = dtype.SizeBytes() == 1 ? "|" : BigEndianArrays ? ">" : "<";
        SaveTuple([3L, order, null, null, null, -1L, -1L, 0L]);
        Byte((byte)'b');
    }

    private static byte[] ToFortran(HostTensor tensor)
    {
        int itemSize = tensor.DType.SizeBytes();
        var shape = tensor.Shape;
        var result = new byte[tensor.Bytes.Length];
        long count = tensor.ElementCount;
        var index = new int[shape.Count];
        for (long n = 0; n < count; n++)
        {
            long f = 0, step = 1;
            for (int d = 0; d < shape.Count; d++) { f += index[d] * step; step *= shape[d]; }
            tensor.Bytes.Slice((int)(n * itemSize), itemSize).CopyTo(result.AsSpan((int)(f * itemSize), itemSize));
            for (int d = shape.Count - 1; d >= 0; d--) { if (++index[d] < shape[d]) break; index[d] = 0; }
        }
        return result;
    }

    private void Global(string module, string name)
    {
        string key = "global:" + module + "." + name;
        if (TryGet(key)) return;
        if (_protocol >= 4)
        {
            SaveString(module);
            SaveString(name);
            Byte(0x93);
        }
        else Ascii("c" + module + "\n" + name + "\n");
        Memo(key);
    }

    private bool TryGet(string key)
    {
        if (!_memo.TryGetValue(key, out int index)) return false;
        if (_protocol == 0) Ascii("g" + index.ToString(CultureInfo.InvariantCulture) + "\n");
        else if (index < 256) Bytes((byte)'h', (byte)index);
        else { Byte((byte)'j'); Len32(index); }
        return true;
    }

    private void Memo(string? key = null)
    {
        int index = _nextMemo++;
        if (key is not null) _memo[key] = index;
        if (_protocol >= 4) Byte(0x94);
        else if (_protocol == 0) Ascii("p" + index.ToString(CultureInfo.InvariantCulture) + "\n");
        else if (index < 256) Bytes((byte)'q', (byte)index);
        else { Byte((byte)'r'); Len32(index); }
    }

    private void Len32(int n)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, n);
        _out.Write(b);
    }

    private void Byte(byte b) => _out.WriteByte(b);

    private void Bytes(params byte[] b) => _out.Write(b);

    private void Ascii(string s) => _out.Write(Encoding.ASCII.GetBytes(s));
}
