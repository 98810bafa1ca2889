using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Detserve.Serve.Core;

/// <summary>
/// One named tensor as it crosses the wire and the scheduler: row-major, little-endian element bytes.
/// BYTES tensors use Triton's serialized form, each element a 4-byte little-endian length then that many bytes.
/// The data is borrowed: whoever built the tensor keeps the memory alive and does not change it.
/// </summary>
public sealed record InferTensor(string Name, TensorDataType DataType, IReadOnlyList<long> Shape, ReadOnlyMemory<byte> Data)
{
    public long ElementCount => Shapes.ElementCount(Shape, Name);

    public static InferTensor FromSpan<T>(string name, TensorDataType dataType, IReadOnlyList<long> shape, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("tensor data is little-endian on the wire; big-endian hosts are not supported");
        }

        return new InferTensor(name, dataType, shape, MemoryMarshal.AsBytes(values).ToArray());
    }

    public static InferTensor FromFloats(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values) =>
        FromSpan(name, TensorDataType.Fp32, shape, values);

    public static InferTensor FromInt32(string name, IReadOnlyList<long> shape, ReadOnlySpan<int> values) =>
        FromSpan(name, TensorDataType.Int32, shape, values);

    /// <summary>Builds a BYTES tensor from its elements (each element is serialized with its 4-byte length).</summary>
    public static InferTensor FromByteStrings(string name, IReadOnlyList<long> shape, IReadOnlyList<ReadOnlyMemory<byte>> elements)
    {
        var size = 0L;
        foreach (var element in elements)
        {
            size += 4 + element.Length;
        }

        var data = new byte[size];
        var offset = 0;
        foreach (var element in elements)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(offset), element.Length);
            element.Span.CopyTo(data.AsSpan(offset + 4));
            offset += 4 + element.Length;
        }

        return new InferTensor(name, TensorDataType.Bytes, shape, data);
    }

    /// <summary>Reinterprets fixed-size element data (for FP32, INT32 ...); the caller has checked the datatype.</summary>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(Data.Span);

    /// <summary>Splits a BYTES tensor into its elements; the data has been validated by <see cref="TensorValidation"/>.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> ByteStrings()
    {
        var elements = new List<ReadOnlyMemory<byte>>();
        var offset = 0;
        var span = Data.Span;
        while (offset < span.Length)
        {
            if (span.Length - offset < 4)
            {
                throw ServeException.InvalidArgument($"BYTES tensor '{Name}': truncated element length at byte offset {offset}");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
            if (length < 0 || length > span.Length - offset - 4)
            {
                throw ServeException.InvalidArgument($"BYTES tensor '{Name}': element at byte offset {offset} declares {length} bytes but {span.Length - offset - 4} remain");
            }

            elements.Add(Data.Slice(offset + 4, length));
            offset += 4 + length;
        }

        return elements;
    }
}
