using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Detserve.Graph;

/// <summary>
/// A dense tensor in host memory: C-contiguous (row-major), little-endian element bytes.
/// Immutable once built; the byte array is owned by this instance and never handed out writable.
/// </summary>
public sealed class HostTensor
{
    private readonly byte[] _bytes;

    /// <summary>Wraps <paramref name="bytes"/> (taken over, not copied) as a tensor of <paramref name="dtype"/> and <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">the byte count does not equal product(shape) * element size.</exception>
    public HostTensor(DType dtype, IReadOnlyList<int> shape, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(bytes);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d} in shape [{string.Join(", ", shape)}]", nameof(shape));
            count = checked(count * d);
        }
        long expected = checked(count * dtype.SizeBytes());
        if (bytes.LongLength != expected)
            throw new ArgumentException($"{bytes.LongLength} bytes do not fit a {dtype.NumpyName()} tensor of shape [{string.Join(", ", shape)}] ({expected} bytes)", nameof(bytes));
        DType = dtype;
        Shape = shape.ToArray();
        ElementCount = count;
        _bytes = bytes;
    }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>The raw little-endian element bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Shape as "[a, b, c]" for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Builds a float32 tensor from values (copied).</summary>
    public static HostTensor FromFloat32(IReadOnlyList<int> shape, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        MemoryMarshal.AsBytes(values).CopyTo(bytes);
        if (!BitConverter.IsLittleEndian) SwapInPlace(bytes, 4);
        return new HostTensor(DType.Float32, shape, bytes);
    }

    /// <summary>The elements converted to float32 (float16/float64/int/uint8/bool converted by value).</summary>
    public float[] ToFloat32()
    {
        var result = new float[ElementCount];
        ReadOnlySpan<byte> b = _bytes;
        switch (DType)
        {
            case DType.Float32:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(b.Slice(i * 4, 4));
                break;
            case DType.Float16:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(b.Slice(i * 2, 2));
                break;
            case DType.Float64:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(b.Slice(i * 8, 8));
                break;
            case DType.Int64:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(b.Slice(i * 8, 8));
                break;
            case DType.Int32:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(i * 4, 4));
                break;
            case DType.UInt8:
            case DType.Bool:
                for (int i = 0; i < result.Length; i++) result[i] = b[i];
                break;
            default:
                throw new NotSupportedException($"conversion of {DType} to float32");
        }
        return result;
    }

    /// <summary>The elements converted to float64 (exact for every supported type except int64 beyond 2^53).</summary>
    public double[] ToFloat64()
    {
        if (DType == DType.Float64)
        {
            var d = new double[ElementCount];
            for (int i = 0; i < d.Length; i++) d[i] = BinaryPrimitives.ReadDoubleLittleEndian(_bytes.AsSpan(i * 8, 8));
            return d;
        }
        if (DType == DType.Int64)
        {
            var d = new double[ElementCount];
            for (int i = 0; i < d.Length; i++) d[i] = BinaryPrimitives.ReadInt64LittleEndian(_bytes.AsSpan(i * 8, 8));
            return d;
        }
        float[] f = ToFloat32();
        var r = new double[f.Length];
        for (int i = 0; i < f.Length; i++) r[i] = f[i];
        return r;
    }

    private static void SwapInPlace(byte[] bytes, int width)
    {
        for (int i = 0; i < bytes.Length; i += width) Array.Reverse(bytes, i, width);
    }
}
