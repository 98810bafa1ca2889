namespace Detserve.Serve.Core;

/// <summary>Shape arithmetic that never overflows silently: a declared shape is untrusted input.</summary>
public static class Shapes
{
    /// <summary>Product of the dimensions; negative dims or a product past <see cref="long.MaxValue"/> are the client's error.</summary>
    public static long ElementCount(IReadOnlyList<long> shape, string tensorName)
    {
        var count = 1L;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw ServeException.InvalidArgument($"tensor '{tensorName}' has a negative dimension in shape {Format(shape)}");
            }

            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw ServeException.InvalidArgument($"tensor '{tensorName}': shape {Format(shape)} has more elements than can be addressed");
            }
        }

        return count;
    }

    /// <summary>Bytes of a fixed-size-element tensor, or a clear error when it cannot be allocated.</summary>
    public static long ByteSize(IReadOnlyList<long> shape, TensorDataType dataType, string tensorName, long maxBytes)
    {
        var count = ElementCount(shape, tensorName);
        var elementSize = TensorDataTypes.ElementSize(dataType);
        if (elementSize == 0)
        {
            throw new ArgumentException("BYTES tensors have no fixed byte size", nameof(dataType));
        }

        if (count > maxBytes / elementSize)
        {
            throw ServeException.InvalidArgument(
                $"tensor '{tensorName}': shape {Format(shape)} of {TensorDataTypes.ToWire(dataType)} needs more than the {maxBytes} bytes a tensor may hold");
        }

        return count * elementSize;
    }

    public static string Format(IReadOnlyList<long> shape) => "[" + string.Join(",", shape) + "]";
}
