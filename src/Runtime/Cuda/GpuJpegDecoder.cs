using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Jpeg;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// nvJPEG decoding for the GPU input path: decides on the host which JPEGs nvJPEG decodes (everything else goes to Vision's host decoder,
/// which also names every problem exactly as the CPU path does), decodes them into device memory and applies the EXIF orientation on the
/// device. Borrows the kernel library (and its device); owns the nvJPEG handle and the orientation kernel. Not thread-safe.
/// </summary>
internal sealed class GpuJpegDecoder(KernelLibrary kernels) : IDisposable
{
    private readonly NvJpegDecoder _nvjpeg = NvJpegDecoder.Create((kernels ?? throw new ArgumentNullException(nameof(kernels))).Device);
    private ExifOrientOp? _orient;

    /// <summary>
    /// The header facts of <paramref name="image"/> when nvJPEG should decode it, or null when the host decoder must: not a JPEG, a header
    /// nvJPEG cannot read (odd sampling factors, damage: the host decoder decodes or names it), 4 components (CMYK/YCCK, which Pillow
    /// converts with its own inverted-CMYK arithmetic), 3 components that libjpeg takes as RGB (<see cref="JpegMarkers.StoresRgb"/>), a declared size above <paramref name="limits"/>, malformed marker segments before
    /// the scan (which TurboJPEG refuses) or no EOI after it (a truncated file, which the host decoder refuses as Pillow does).
    /// </summary>
    /// <exception cref="ImageDecodeException">the EXIF probe failed; names the image.</exception>
    public GpuJpeg? Inspect(EncodedImage image, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(limits);
        ReadOnlySpan<byte> data = image.Bytes.Span;
        if (ImageDecoder.Sniff(data) != ImageFormat.Jpeg || data.Length > limits.MaxEncodedBytes) return null;
        int width, height, components;
        try
        {
            (width, height, components) = _nvjpeg.GetImageInfo(data, image.Name);
        }
        catch (CudaException e) when (e.Api == "nvjpegGetImageInfo")
        {
            // Host-side header parsing only: nothing on the device can have failed.
            return null;
        }
        if (components is not (1 or 3) || width <= 0 || height <= 0 || (components == 3 && JpegMarkers.StoresRgb(data))) return null;
        if (width > limits.MaxDimension || height > limits.MaxDimension || (long)width * height > limits.MaxPixels) return null;
        if (!JpegMarkers.HasEndOfImage(data)) return null;
        return new GpuJpeg(image, width, height, ImageDecoder.ReadJpegOrientation(data));
    }

    /// <summary>
    /// Decodes <paramref name="jpeg"/> into <paramref name="stored"/> (StoredHeight x StoredWidth x 3 RGB, stored orientation); waits for
    /// the stream. False when nvJPEG refuses the data (bad or unsupported JPEG, incomplete bitstream): decode it on the host instead.
    /// </summary>
    /// <exception cref="CudaException">a device failure (execution, allocation, internal error).</exception>
    public bool TryDecode(GpuJpeg jpeg, DeviceBuffer stored, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        try
        {
            _nvjpeg.DecodeRgb(jpeg.Image.Bytes.Span, jpeg.Image.Name, stored, stream);
            return true;
        }
        catch (CudaException e) when (e.Api is "nvjpegGetImageInfo" || (e.Api is "nvjpegDecode" && IsDataStatus(e.Status)))
        {
            return false;
        }
    }

    /// <summary>Queues the EXIF orientation of the decoded <paramref name="stored"/> into <paramref name="output"/> (Height x Width x 3).</summary>
    public void Orient(GpuJpeg jpeg, DeviceBuffer stored, DeviceBuffer output, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        _orient ??= new ExifOrientOp(kernels);
        _orient.Enqueue(stored, jpeg.StoredWidth, jpeg.StoredHeight, jpeg.Orientation, output, stream);
    }

    /// <summary>nvJPEG statuses that are about the data (nvjpeg.h), not the device.</summary>
    private static bool IsDataStatus(string status) => status is "NVJPEG_STATUS_BAD_JPEG" or "NVJPEG_STATUS_JPEG_NOT_SUPPORTED"
        or "NVJPEG_STATUS_INVALID_PARAMETER" or "NVJPEG_STATUS_IMPLEMENTATION_NOT_SUPPORTED" or "NVJPEG_STATUS_INCOMPLETE_BITSTREAM";

    /// <summary>Unloads the orientation kernel, then destroys the nvJPEG state and handle.</summary>
    public void Dispose()
    {
        _orient?.Dispose();
        _nvjpeg.Dispose();
    }
}
