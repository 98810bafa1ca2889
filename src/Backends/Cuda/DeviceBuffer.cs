using System.Runtime.InteropServices;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda;

/// <summary>
/// Device memory: either one allocation (owns it; freed on Dispose) or a view of a byte range of another buffer
/// (<see cref="Slice"/>: borrows it, Dispose does nothing, and it must not outlive its parent). Copies are queued on
/// a stream; <see cref="Download{T}"/> synchronises that stream before returning so the host span holds the data.
/// </summary>
public sealed class DeviceBuffer : IDisposable
{
    private readonly DeviceMemoryHandle _handle;
    private readonly long _offsetBytes;
    private readonly bool _isView;

    internal DeviceBuffer(DeviceMemoryHandle handle, long sizeBytes)
    {
        _handle = handle;
        SizeBytes = sizeBytes;
    }

    private DeviceBuffer(DeviceMemoryHandle handle, long offsetBytes, long sizeBytes)
    {
        _handle = handle;
        _offsetBytes = offsetBytes;
        SizeBytes = sizeBytes;
        _isView = true;
    }

    /// <summary>Usable size in bytes.</summary>
    public long SizeBytes { get; }

    /// <summary>True for a view made by <see cref="Slice"/>.</summary>
    public bool IsView => _isView;

    /// <summary>The device address (CUdeviceptr) of the first byte.</summary>
    public ulong Pointer => (ulong)_handle.Raw + (ulong)_offsetBytes;

    /// <summary>A view of bytes [offsetBytes, offsetBytes + sizeBytes) of this buffer (borrowed: it must not outlive this buffer).</summary>
    public DeviceBuffer Slice(long offsetBytes, long sizeBytes)
    {
        if (offsetBytes < 0 || sizeBytes < 0 || offsetBytes + sizeBytes > SizeBytes)
            throw new ArgumentOutOfRangeException(nameof(offsetBytes), $"slice [{offsetBytes}, {offsetBytes + sizeBytes}) is outside the {SizeBytes}-byte device buffer");
        return new DeviceBuffer(_handle, _offsetBytes + offsetBytes, sizeBytes);
    }

    /// <summary>Copies <paramref name="source"/> to the start of the buffer, queued on <paramref name="stream"/>.
    /// Pageable host memory is staged by the driver before the call returns, so the span may be reused at once.</summary>
    public unsafe void Upload<T>(ReadOnlySpan<T> source, CudaStream stream) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(stream);
        long bytes = (long)source.Length * sizeof(T);
        CheckFits(bytes, "upload");
        if (bytes == 0) return;
        fixed (T* p = source)
            NativeStatus.Check(CudaDriver.cuMemcpyHtoDAsync(Pointer, p, (nuint)bytes, stream.Raw), "cuMemcpyHtoDAsync", $"{bytes} bytes");
    }

    /// <summary>Copies the first destination.Length elements to the host and waits for them.</summary>
    public unsafe void Download<T>(Span<T> destination, CudaStream stream) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(stream);
        long bytes = (long)destination.Length * sizeof(T);
        CheckFits(bytes, "download");
        if (bytes == 0) return;
        fixed (T* p = destination)
            NativeStatus.Check(CudaDriver.cuMemcpyDtoHAsync(p, Pointer, (nuint)bytes, stream.Raw), "cuMemcpyDtoHAsync", $"{bytes} bytes");
        stream.Synchronize();
    }

    /// <summary>Downloads the whole buffer as <typeparamref name="T"/> elements.</summary>
    public T[] Download<T>(CudaStream stream) where T : unmanaged
    {
        var result = new T[SizeBytes / Marshal.SizeOf<T>()];
        Download<T>(result, stream);
        return result;
    }

    /// <summary>Sets every byte to <paramref name="value"/> (cuMemsetD8Async).</summary>
    public void Fill(byte value, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (SizeBytes == 0) return;
        NativeStatus.Check(CudaDriver.cuMemsetD8Async(Pointer, value, (nuint)SizeBytes, stream.Raw), "cuMemsetD8Async", $"{SizeBytes} bytes");
    }

    /// <summary>Sets every 32-bit word to <paramref name="bits"/> (cuMemsetD32Async); e.g. NaN poison before a test.</summary>
    public void Fill32(uint bits, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (SizeBytes % 4 != 0) throw new ArgumentException($"buffer of {SizeBytes} bytes is not a whole number of 32-bit words");
        if (SizeBytes == 0) return;
        NativeStatus.Check(CudaDriver.cuMemsetD32Async(Pointer, bits, (nuint)(SizeBytes / 4), stream.Raw), "cuMemsetD32Async", $"{SizeBytes} bytes");
    }

    /// <summary>Copies <paramref name="bytes"/> from <paramref name="source"/> (device to device), queued.</summary>
    public void CopyFrom(DeviceBuffer source, long bytes, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stream);
        CheckFits(bytes, "device copy");
        if (bytes > source.SizeBytes) throw new ArgumentOutOfRangeException(nameof(bytes), $"copy of {bytes} bytes exceeds the {source.SizeBytes}-byte source");
        if (bytes == 0) return;
        NativeStatus.Check(CudaDriver.cuMemcpyDtoDAsync(Pointer, source.Pointer, (nuint)bytes, stream.Raw), "cuMemcpyDtoDAsync", $"{bytes} bytes");
    }

    private void CheckFits(long bytes, string what)
    {
        if (bytes > SizeBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"{what} of {bytes} bytes exceeds the {SizeBytes}-byte device buffer");
    }

    /// <summary>Frees the allocation; a view frees nothing.</summary>
    public void Dispose()
    {
        if (!_isView) _handle.Dispose();
    }
}
