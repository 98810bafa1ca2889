using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Ops;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// Puts DefaultPredictor's resized images into a plan's image slots with the resize on the GPU: each original uint8 RGB image goes
/// up once and <see cref="BilinearResizeOp"/> (bit-exact with Pillow's BILINEAR, like the CPU path's PillowResize) writes the
/// resized pixels straight into the slot; an image already at its size is copied as is. Work is queued on the context's stream
/// ahead of the plan's graph (the resize tables come from host memory, so the resize stays outside the captured graph); stream
/// order makes the reuse of the staging and workspace buffers by the next image safe. Both buffers grow to the largest image seen.
/// </summary>
internal sealed class GpuImageInput(GpuContext gpu) : IDisposable
{
    private readonly BilinearResizeOp _resize = new(gpu.Kernels);
    private DeviceBuffer? _staging;
    private DeviceBuffer? _workspace;

    /// <summary>Queues every image of a batch, resized to its size, into the slot <paramref name="slotOf"/> gives for its index.</summary>
    public void Upload(IReadOnlyList<RgbImage> images, IReadOnlyList<(int Height, int Width)> sizes, Func<int, DeviceBuffer> slotOf)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(slotOf);
        for (int n = 0; n < images.Count; n++) Upload(images[n], sizes[n].Height, sizes[n].Width, slotOf(n));
    }

    /// <summary>Queues <paramref name="original"/> resized to <paramref name="height"/> x <paramref name="width"/> into <paramref name="slot"/>.</summary>
    public void Upload(RgbImage original, int height, int width, DeviceBuffer slot)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(slot);
        if (height == original.Height && width == original.Width)
        {
            slot.Upload<byte>(original.Pixels, gpu.Stream);
            return;
        }
        var tables = BilinearResizeTables.Create(original.Width, original.Height, width, height);
        DeviceBuffer staging = Grow(ref _staging, original.Pixels.Length).Slice(0, original.Pixels.Length);
        staging.Upload<byte>(original.Pixels, gpu.Stream);
        DeviceBuffer workspace = Grow(ref _workspace, tables.WorkspaceBytes);
        _resize.Enqueue(tables, staging, slot, workspace, gpu.Stream);
    }

    private DeviceBuffer Grow(ref DeviceBuffer? buffer, long bytes)
    {
        if (buffer is not null && buffer.SizeBytes >= bytes) return buffer;
        if (buffer is not null)
        {
            // Queued resizes may still read the old buffer.
            gpu.Stream.Synchronize();
            buffer.Dispose();
            buffer = null;
        }
        buffer = gpu.Device.Allocate(Math.Max(bytes, 1L << 20));
        return buffer;
    }

    public void Dispose()
    {
        _staging?.Dispose();
        _workspace?.Dispose();
    }
}
