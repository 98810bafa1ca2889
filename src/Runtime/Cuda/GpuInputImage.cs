using Detserve.Backends.Cuda;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// One original image for <see cref="GpuImageInput.Upload(IReadOnlyList{GpuInputImage}, IReadOnlyList{ValueTuple{int, int}}, Func{int, DeviceBuffer})"/>:
/// either decoded on the host (<see cref="Host"/>) or already decoded by nvJPEG into device memory (<see cref="Jpeg"/> in
/// <see cref="Decoded"/>, stored orientation). <see cref="Width"/> and <see cref="Height"/> are the oriented original size either way.
/// Borrows the device buffer from the <see cref="GpuImageInput"/> that decoded it: valid until its next decode.
/// </summary>
internal sealed class GpuInputImage
{
    private GpuInputImage(int width, int height, RgbImage? host, GpuJpeg? jpeg, DeviceBuffer? decoded)
    {
        Width = width;
        Height = height;
        Host = host;
        Jpeg = jpeg;
        Decoded = decoded;
    }

    /// <summary>Oriented original width.</summary>
    public int Width { get; }

    /// <summary>Oriented original height.</summary>
    public int Height { get; }

    /// <summary>The host-decoded image, or null for a device-decoded JPEG.</summary>
    public RgbImage? Host { get; }

    /// <summary>The JPEG's header facts, or null for a host-decoded image.</summary>
    public GpuJpeg? Jpeg { get; }

    /// <summary>The nvJPEG output (stored layout, StoredHeight x StoredWidth x 3), or null for a host-decoded image.</summary>
    public DeviceBuffer? Decoded { get; }

    /// <summary>An image decoded on the host.</summary>
    public static GpuInputImage OnHost(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new GpuInputImage(image.Width, image.Height, image, null, null);
    }

    /// <summary>A JPEG decoded on the device into <paramref name="decoded"/>.</summary>
    public static GpuInputImage OnDevice(GpuJpeg jpeg, DeviceBuffer decoded)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        ArgumentNullException.ThrowIfNull(decoded);
        return new GpuInputImage(jpeg.Width, jpeg.Height, null, jpeg, decoded);
    }
}
