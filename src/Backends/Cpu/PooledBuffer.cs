using System.Buffers;

namespace Detserve.Backends.Cpu;

/// <summary>
/// Scratch memory rented from a <see cref="CpuContext"/>'s pool. Owns the rented array until disposed, then returns it;
/// the contents are not cleared on rent (callers overwrite what they read). Not thread-safe; one owner at a time.
/// </summary>
public sealed class PooledBuffer<T> : IMemoryOwner<T>
{
    private readonly ArrayPool<T> _pool;
    private T[]? _array;
    private readonly int _length;

    internal PooledBuffer(ArrayPool<T> pool, int length)
    {
        _pool = pool;
        _length = length;
        _array = length == 0 ? [] : pool.Rent(length);
    }

    /// <summary>The rented elements, exactly the requested length.</summary>
    public Memory<T> Memory => new(_array ?? throw new ObjectDisposedException(nameof(PooledBuffer<T>)), 0, _length);

    /// <summary>The rented elements as a span, exactly the requested length.</summary>
    public Span<T> Span => new(_array ?? throw new ObjectDisposedException(nameof(PooledBuffer<T>)), 0, _length);

    /// <summary>The underlying array (at least the requested length), for pinning in kernels.</summary>
    internal T[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBuffer<T>));

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        T[]? array = _array;
        _array = null;
        if (array is { Length: > 0 }) _pool.Return(array);
    }
}
