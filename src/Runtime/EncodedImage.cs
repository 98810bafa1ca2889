using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// One encoded image (PNG, JPEG or BMP file bytes) for <see cref="Predictor.RunEncoded"/>: decoding happens inside the run, on the host
/// with Detserve.Vision or, for JPEG on a CUDA predictor that asks for it, on the GPU with nvJPEG.
/// </summary>
/// <param name="Name">What the bytes are (a file path, a request field): every error about this image starts with it.</param>
/// <param name="Bytes">The whole encoded file; borrowed, not copied, so keep it unchanged until the run returns.</param>
public sealed record EncodedImage(string Name, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>
    /// Reads the file at <paramref name="path"/> (named by its path), refusing files above <see cref="ImageLimits.MaxEncodedBytes"/>
    /// before reading them, as <see cref="ImageDecoder.DecodeFile"/> does.
    /// </summary>
    /// <exception cref="ImageDecodeException">the file cannot be read or is too large; the message starts with the path.</exception>
    public static EncodedImage ReadFile(string path, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= ImageLimits.Default;
        try
        {
            long length = new FileInfo(path).Length;
            if (length > limits.MaxEncodedBytes)
                throw new ImageDecodeException(path, $"the file is {length} bytes, above the limit of {limits.MaxEncodedBytes}");
            return new EncodedImage(path, File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            throw new ImageDecodeException(path, $"cannot read the file: {e.Message}", e);
        }
    }
}
