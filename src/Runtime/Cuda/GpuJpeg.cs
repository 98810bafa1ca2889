namespace Detserve.Runtime.Cuda;

/// <summary>
/// A JPEG the GPU path decodes with nvJPEG, with the header facts read on the host: the stored size (nvjpegGetImageInfo) and the EXIF
/// orientation Vision would apply (1..8).
/// </summary>
/// <param name="Image">The encoded bytes and their name.</param>
/// <param name="StoredWidth">Columns as coded in the frame header.</param>
/// <param name="StoredHeight">Rows as coded in the frame header.</param>
/// <param name="Orientation">1 (none) .. 8, as <see cref="ImageDecoder.ReadJpegOrientation"/> reads it.</param>
internal sealed record GpuJpeg(EncodedImage Image, int StoredWidth, int StoredHeight, int Orientation)
{
    /// <summary>Bytes of the decoded, not yet oriented, interleaved RGB image.</summary>
    public long StoredBytes => (long)StoredWidth * StoredHeight * 3;

    /// <summary>Columns after orientation (read_image's width).</summary>
    public int Width => ExifOrientOp.OrientedSize(StoredWidth, StoredHeight, Orientation).Width;

    /// <summary>Rows after orientation (read_image's height).</summary>
    public int Height => ExifOrientOp.OrientedSize(StoredWidth, StoredHeight, Orientation).Height;
}
