using Detserve.Backends.Cpu;

namespace Detserve.Runtime;

/// <summary>A meta-architecture's forward after preprocessing: the padded batch in, per-image detections (resized coordinates) out.</summary>
internal interface IDetector
{
    /// <summary>
    /// Runs the network on <paramref name="batch"/>; <paramref name="imageSizes"/> are the resized (unpadded) sizes; returns per image the
    /// detections in resized-image pixels and, for mask models, Count x M x M mask probabilities.
    /// </summary>
    IReadOnlyList<(Detections Detections, float[]? Masks)> Forward(CpuContext ctx, FeatureMap batch, IReadOnlyList<(int Height, int Width)> imageSizes,
        IStageObserver? observer, CancellationToken cancellationToken);

    /// <summary>Side of the mask probabilities (0 when the model has no masks).</summary>
    int MaskResolution { get; }
}
