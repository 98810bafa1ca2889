using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// One image's outcome of <see cref="Predictor.RunEncoded"/>: its detections, or the decode error that kept it out of the batch (the other
/// images still ran).
/// </summary>
/// <param name="Name">The image's <see cref="EncodedImage.Name"/>.</param>
/// <param name="Instances">The detections (original-image pixels, after EXIF orientation), or null when the image failed.</param>
/// <param name="Error">Why the image could not be decoded (its message starts with <paramref name="Name"/>), or null.</param>
public sealed record EncodedImageResult(string Name, Instances? Instances, ImageDecodeException? Error)
{
    /// <summary>True when the image was decoded and run.</summary>
    public bool Succeeded => Error is null;
}
