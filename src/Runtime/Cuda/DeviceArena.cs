using Detserve.Backends.Cuda;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// Buffers that live for a whole plan, declared up front and carved from one allocation (aligned as <see cref="BufferPlanner"/>
/// aligns). Owns the allocation; the slices it hands out are views that must not outlive it.
/// </summary>
internal sealed class DeviceArena : IDisposable
{
    private readonly List<long> _sizes = [];
    private long[] _offsets = [];
    private DeviceBuffer? _storage;

    /// <summary>Declares a buffer of <paramref name="sizeBytes"/>; returns its handle for <see cref="this[int]"/>.</summary>
    public int Declare(long sizeBytes)
    {
        if (_storage is not null) throw new InvalidOperationException("the arena is already allocated");
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        _sizes.Add(sizeBytes);
        return _sizes.Count - 1;
    }

    /// <summary>Total bytes (valid after <see cref="Allocate"/>).</summary>
    public long SizeBytes { get; private set; }

    /// <summary>Places every declared buffer (all alive together) and makes the one allocation.</summary>
    public void Allocate(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        (_offsets, long total) = BufferPlanner.Plan(_sizes.Select(s => new BufferRequest(s, 0, 0)).ToArray());
        SizeBytes = total;
        _storage = device.Allocate(total);
    }

    /// <summary>The view of declared buffer <paramref name="handle"/>.</summary>
    public DeviceBuffer this[int handle] =>
        (_storage ?? throw new InvalidOperationException("the arena is not allocated yet")).Slice(_offsets[handle], _sizes[handle]);

    /// <summary>Frees the allocation.</summary>
    public void Dispose() => _storage?.Dispose();
}
