using Detserve.Backends.Cuda;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// A device buffer that grows to the largest size asked for (at least 1 MiB) and is reused for smaller requests. Before it frees a
/// buffer that is too small it waits for the stream, because queued work may still read it. Owns the buffer; borrows device and stream.
/// </summary>
internal sealed class GrowingDeviceBuffer(CudaDevice device, CudaStream stream) : IDisposable
{
    private const long MinimumBytes = 1L << 20;

    private DeviceBuffer? _buffer;

    /// <summary>The buffer, at least <paramref name="bytes"/> long (it may be longer: slice it).</summary>
    public DeviceBuffer Get(long bytes)
    {
        if (_buffer is not null && _buffer.SizeBytes >= bytes) return _buffer;
        if (_buffer is not null)
        {
            stream.Synchronize();
            _buffer.Dispose();
            _buffer = null;
        }
        _buffer = device.Allocate(Math.Max(bytes, MinimumBytes));
        return _buffer;
    }

    /// <summary>A view of the first <paramref name="bytes"/> bytes.</summary>
    public DeviceBuffer Slice(long bytes) => Get(bytes).Slice(0, bytes);

    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
