using System.Runtime.CompilerServices;

namespace Detserve.Backends.Cuda;

/// <summary>
/// The parameter list of one launch, in the kernel's parameter order. Every parameter of our kernels is a
/// scalar or a pointer of at most 8 bytes, so each takes one 8-byte slot; cuLaunchKernel reads each
/// parameter's own size from the address of its slot (little-endian, so the low bytes come first).
/// </summary>
public sealed class KernelArguments
{
    private ulong[] _slots = new ulong[8];

    /// <summary>Number of parameters added.</summary>
    public int Count { get; private set; }

    internal Span<ulong> Slots => _slots.AsSpan(0, Count);

    /// <summary>Adds a device pointer.</summary>
    public KernelArguments Add(DeviceBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Push(buffer.Pointer);
    }

    /// <summary>Adds a device pointer offset by <paramref name="offsetBytes"/> into <paramref name="buffer"/>.</summary>
    public KernelArguments Add(DeviceBuffer buffer, long offsetBytes)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offsetBytes < 0 || offsetBytes > buffer.SizeBytes)
            throw new ArgumentOutOfRangeException(nameof(offsetBytes), $"offset {offsetBytes} is outside the {buffer.SizeBytes}-byte buffer");
        return Push(buffer.Pointer + (ulong)offsetBytes);
    }

    /// <summary>Adds a raw device address (0 for an absent optional pointer).</summary>
    public KernelArguments AddPointer(ulong devicePointer) => Push(devicePointer);

    /// <summary>Adds an int parameter.</summary>
    public KernelArguments Add(int value) => Push(unchecked((uint)value));

    /// <summary>Adds a long long parameter.</summary>
    public KernelArguments Add(long value) => Push(unchecked((ulong)value));

    /// <summary>Adds a float parameter.</summary>
    public KernelArguments Add(float value) => Push(Unsafe.BitCast<float, uint>(value));

    /// <summary>Adds a double parameter.</summary>
    public KernelArguments Add(double value) => Push(BitConverter.DoubleToUInt64Bits(value));

    private KernelArguments Push(ulong bits)
    {
        if (Count == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        _slots[Count++] = bits;
        return this;
    }
}
