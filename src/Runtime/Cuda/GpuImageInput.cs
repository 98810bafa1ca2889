using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Ops;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// Puts DefaultPredictor's resized images into a plan's image slots with the resize on the GPU: each original uint8 RGB image goes
/// up once and <see cref="BilinearResizeOp"/> (bit-exact with Pillow's BILINEAR, like the CPU path's PillowResize) writes the
/// resized pixels straight into the slot; an image already at its size is copied as is. Work is queued on the context's stream
/// ahead of the plan's graph (the resize tables come from host memory, so the resize stays outside the captured graph); stream
/// order makes the reuse of the staging and workspace buffers by the next image safe. Every buffer grows to the largest size seen.
/// JPEGs can instead be decoded on the device (<see cref="Decode"/>): nvJPEG writes each into a region of a decode buffer, the EXIF
/// orientation is applied on the device, and the resize reads from there, so those pixels never cross PCIe. Owns its buffers and the
/// nvJPEG decoder (made on the first JPEG); borrows the context. Not thread-safe (the detector's caller serializes runs).
/// </summary>
internal sealed class GpuImageInput(GpuContext gpu) : IDisposable
{
    /// <summary>Decoded images start on this boundary inside the decode buffer (the widest load any kernel makes is 16 bytes).</summary>
    private const long DecodedAlignment = 256;

    private readonly BilinearResizeOp _resize = new(gpu.Kernels);
    private readonly GrowingDeviceBuffer _staging = new(gpu.Device, gpu.Stream);
    private readonly GrowingDeviceBuffer _workspace = new(gpu.Device, gpu.Stream);
    private readonly GrowingDeviceBuffer _decoded = new(gpu.Device, gpu.Stream);
    private readonly GrowingDeviceBuffer _oriented = new(gpu.Device, gpu.Stream);
    private GpuJpegDecoder? _jpeg;

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
        DeviceBuffer staging = _staging.Slice(original.Pixels.Length);
        staging.Upload<byte>(original.Pixels, gpu.Stream);
        Resize(staging, original.Width, original.Height, width, height, slot);
    }

    /// <summary>
    /// The decode step of the GPU JPEG path for a batch: each JPEG nvJPEG can decode (<see cref="GpuJpegDecoder.Inspect"/>) is decoded into
    /// its own region of the decode buffer, every other image (PNG, BMP, JPEGs nvJPEG refuses) on the host with <see cref="ImageDecoder"/>.
    /// A failure is kept per image, named, and leaves the others alone. The device images borrow the decode buffer until the next call.
    /// </summary>
    /// <exception cref="CudaException">a device failure (not a data problem of one image).</exception>
    public GpuImageBatch Decode(IReadOnlyList<EncodedImage> images, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(limits);
        var results = new GpuInputImage?[images.Count];
        var errors = new ImageDecodeException?[images.Count];
        var jpegs = new GpuJpeg?[images.Count];
        long total = 0;
        for (int i = 0; i < images.Count; i++)
        {
            if (ImageDecoder.Sniff(images[i].Bytes.Span) != ImageFormat.Jpeg) continue;
            try
            {
                _jpeg ??= new GpuJpegDecoder(gpu.Kernels);
                jpegs[i] = _jpeg.Inspect(images[i], limits);
            }
            catch (ImageDecodeException e)
            {
                errors[i] = e;
            }
            if (jpegs[i] is { } jpeg) total += AlignUp(jpeg.StoredBytes);
        }
        DeviceBuffer? arena = total > 0 ? _decoded.Get(total) : null;
        long offset = 0;
        for (int i = 0; i < images.Count; i++)
        {
            if (errors[i] is not null) continue;
            if (jpegs[i] is { } jpeg)
            {
                DeviceBuffer region = arena!.Slice(offset, jpeg.StoredBytes);
                offset += AlignUp(jpeg.StoredBytes);
                if (_jpeg!.TryDecode(jpeg, region, gpu.Stream))
                {
                    results[i] = GpuInputImage.OnDevice(jpeg, region);
                    continue;
                }
            }
            try
            {
                results[i] = GpuInputImage.OnHost(ImageDecoder.Decode(images[i].Bytes.Span, images[i].Name, limits));
            }
            catch (ImageDecodeException e)
            {
                errors[i] = e;
            }
        }
        return new GpuImageBatch(results, errors);
    }

    /// <summary>As <see cref="Upload(IReadOnlyList{RgbImage}, IReadOnlyList{ValueTuple{int, int}}, Func{int, DeviceBuffer})"/> for images of <see cref="Decode"/>.</summary>
    public void Upload(IReadOnlyList<GpuInputImage> images, IReadOnlyList<(int Height, int Width)> sizes, Func<int, DeviceBuffer> slotOf)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(slotOf);
        for (int n = 0; n < images.Count; n++) Upload(images[n], sizes[n].Height, sizes[n].Width, slotOf(n));
    }

    /// <summary>
    /// Queues <paramref name="image"/> oriented and resized to <paramref name="height"/> x <paramref name="width"/> into <paramref name="slot"/>:
    /// a host image goes up as in <see cref="Upload(RgbImage, int, int, DeviceBuffer)"/>; a device JPEG is oriented (straight into the slot
    /// when no resize follows) and resized from device memory.
    /// </summary>
    public void Upload(GpuInputImage image, int height, int width, DeviceBuffer slot)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(slot);
        if (image.Host is { } host)
        {
            Upload(host, height, width, slot);
            return;
        }
        GpuJpeg jpeg = image.Jpeg!;
        DeviceBuffer decoded = image.Decoded!;
        bool resize = height != image.Height || width != image.Width;
        if (jpeg.Orientation == 1)
        {
            if (resize) Resize(decoded, image.Width, image.Height, width, height, slot);
            else slot.CopyFrom(decoded, jpeg.StoredBytes, gpu.Stream);
            return;
        }
        if (!resize)
        {
            _jpeg!.Orient(jpeg, decoded, slot, gpu.Stream);
            return;
        }
        DeviceBuffer oriented = _oriented.Slice(jpeg.StoredBytes);
        _jpeg!.Orient(jpeg, decoded, oriented, gpu.Stream);
        Resize(oriented, image.Width, image.Height, width, height, slot);
    }

    private void Resize(DeviceBuffer source, int sourceWidth, int sourceHeight, int width, int height, DeviceBuffer slot)
    {
        var tables = BilinearResizeTables.Create(sourceWidth, sourceHeight, width, height);
        DeviceBuffer workspace = _workspace.Get(tables.WorkspaceBytes);
        _resize.Enqueue(tables, source, slot, workspace, gpu.Stream);
    }

    private static long AlignUp(long bytes) => (bytes + DecodedAlignment - 1) / DecodedAlignment * DecodedAlignment;

    public void Dispose()
    {
        _jpeg?.Dispose();
        _oriented.Dispose();
        _decoded.Dispose();
        _staging.Dispose();
        _workspace.Dispose();
    }
}
