using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// The EXIF orientation Detserve.Vision applies to a JPEG, learned without decoding the JPEG's pixels: the file's first "Exif" APP1
/// segment (the one Vision, as Pillow's JpegImagePlugin, reads) is put into a tiny probe JPEG whose picture has a bright corner, the probe
/// is decoded with <see cref="ImageDecoder.Decode"/>, and where the corner landed (and whether width and height swapped) names the
/// orientation. So the Orientation tag is interpreted by Vision's own reader, with every Pillow quirk it mirrors (byte orders, value
/// types, truncated IFDs, duplicate tags), and the GPU path cannot drift from the host path. Vision keeps its EXIF reader internal; a
/// public orientation query there would replace the probe. Costs one 16x8 host decode, and only for files with an Exif segment.
/// </summary>
internal static class ExifOrientationProbe
{
    private const int ProbeWidth = 16;
    private const int ProbeHeight = 8;
    private const int Corner = 4;

    /// <summary>
    /// A 16x8 greyscale baseline JPEG: the top-left 4x4 pixels white, the rest black, no APP1. Made with libjpeg-turbo 2.1.5's
    /// <c>cjpeg -quality 100 -grayscale -optimize</c> from that P5 PGM (all quantization steps 1, so the corner decodes within a few levels
    /// of 255 and the rest near 0).
    /// </summary>
    private static ReadOnlySpan<byte> Probe =>
    [
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
        0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43,
        0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08,
        0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x15, 0x00, 0x01,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x09, 0x0a, 0xff, 0xc4, 0x00, 0x21, 0x10, 0x00, 0x01,
        0x03, 0x01, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x17, 0x15, 0x16, 0x18, 0x09, 0x00, 0x07, 0x19, 0x25, 0x28,
        0x45, 0x47, 0x65, 0x67, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00,
        0x3f, 0x00, 0x9f, 0xda, 0xe7, 0x57, 0x3b, 0x1a, 0x38, 0xbb, 0xa5, 0xd8,
        0xd9, 0x1b, 0x0d, 0xbc, 0xda, 0x62, 0x7a, 0x18, 0x84, 0x7e, 0x47, 0x75,
        0x8d, 0xc6, 0xe0, 0xb3, 0xbd, 0x57, 0x5d, 0xda, 0xd2, 0xf3, 0x10, 0x06,
        0xdf, 0xff, 0xd9,
    ];

    /// <summary>
    /// The orientation 1..8 that <see cref="ImageDecoder.Decode"/> applies to <paramref name="jpeg"/> (1: none, also for a missing tag or a
    /// value outside 2..8, which Vision leaves alone).
    /// </summary>
    /// <exception cref="ImageDecodeException">the probe could not be decoded (an APP1 segment libjpeg refuses); names <paramref name="sourceName"/>.</exception>
    public static int Read(ReadOnlySpan<byte> jpeg, string sourceName)
    {
        if (JpegMarkers.FindExifSegment(jpeg) is not (int offset, int length)) return 1;
        var probe = new byte[2 + length + Probe.Length - 2];
        Probe[..2].CopyTo(probe);
        jpeg.Slice(offset, length).CopyTo(probe.AsSpan(2));
        Probe[2..].CopyTo(probe.AsSpan(2 + length));
        RgbImage oriented = ImageDecoder.Decode(probe, sourceName);
        bool swapped = oriented.Width == ProbeHeight;
        int brightest = 0;
        long best = -1;
        // Corners in the order top-left, top-right, bottom-right, bottom-left: the order in which orientations 1..4 (and, swapped, 5..8)
        // carry the source's top-left corner (ExifTranspose's table).
        for (int corner = 0; corner < 4; corner++)
        {
            int x0 = corner is 1 or 2 ? oriented.Width - Corner : 0;
            int y0 = corner is 2 or 3 ? oriented.Height - Corner : 0;
            long sum = 0;
            for (int y = y0; y < y0 + Corner; y++)
                for (int x = x0; x < x0 + Corner; x++)
                    sum += oriented.Pixels[((y * oriented.Width) + x) * 3];
            if (sum > best)
            {
                best = sum;
                brightest = corner;
            }
        }
        return (swapped ? 5 : 1) + brightest;
    }
}
