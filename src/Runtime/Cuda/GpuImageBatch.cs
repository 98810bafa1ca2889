using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// A batch of encoded images after the decode step of the GPU input path: per input, in order, the decoded image or the error that
/// keeps it out of the run (exactly one of the two is set).
/// </summary>
/// <param name="Images">Per input: the image to upload, or null where <paramref name="Errors"/> has the failure.</param>
/// <param name="Errors">Per input: why it could not be decoded (the message starts with its name), or null.</param>
internal sealed record GpuImageBatch(IReadOnlyList<GpuInputImage?> Images, IReadOnlyList<ImageDecodeException?> Errors);
