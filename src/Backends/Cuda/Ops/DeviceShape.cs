using System.Globalization;
using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>Entry-point checks shared by the CUDA ops: they throw the same <see cref="ShapeException"/> as the CPU ops.</summary>
internal static class DeviceShape
{
    /// <summary>Throws unless <paramref name="buffer"/> holds at least <paramref name="elements"/> elements of <paramref name="elementBytes"/>.</summary>
    public static void Holds(string op, string argument, DeviceBuffer buffer, long elements, int elementBytes)
    {
        ArgumentNullException.ThrowIfNull(buffer, argument);
        long bytes = checked(elements * elementBytes);
        if (buffer.SizeBytes < bytes)
            throw new ShapeException(op, argument, string.Create(CultureInfo.InvariantCulture, $"a device buffer of at least {bytes} bytes ({elements} elements)"),
                string.Create(CultureInfo.InvariantCulture, $"{buffer.SizeBytes} bytes"));
    }

    /// <summary>Throws unless <paramref name="offsetBytes"/> plus <paramref name="elements"/> elements lie inside <paramref name="buffer"/>.</summary>
    public static void HoldsAt(string op, string argument, DeviceBuffer buffer, long offsetBytes, long elements, int elementBytes)
    {
        ArgumentNullException.ThrowIfNull(buffer, argument);
        long end = checked(offsetBytes + (elements * elementBytes));
        if (offsetBytes < 0 || buffer.SizeBytes < end)
            throw new ShapeException(op, argument, string.Create(CultureInfo.InvariantCulture, $"bytes [{offsetBytes}, {end}) inside the buffer"),
                string.Create(CultureInfo.InvariantCulture, $"{buffer.SizeBytes} bytes"));
    }

    /// <summary>Throws when a dimension or count is negative.</summary>
    public static void NotNegative(string op, string argument, long value)
    {
        if (value < 0) throw new ShapeException(op, argument, ">= 0", value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Throws when a dimension or count is not positive.</summary>
    public static void Positive(string op, string argument, long value)
    {
        if (value <= 0) throw new ShapeException(op, argument, "> 0", value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Throws unless a host list has exactly <paramref name="expected"/> items.</summary>
    public static void Length(string op, string argument, long expected, long actual)
    {
        if (expected != actual)
            throw new ShapeException(op, argument, expected.ToString(CultureInfo.InvariantCulture) + " elements", actual.ToString(CultureInfo.InvariantCulture) + " elements");
    }
}
