using Detserve.Graph.Spec;

namespace Detserve.Cli.Commands.Bench;

/// <summary>
/// The bench spec's model settings (DESIGN.md "Performance"): the network sees exactly the bench size, so the test-time
/// resize must be the identity. Detectron2's ResizeShortestEdge.get_output_shape scales by short_edge / min(h, w) and then
/// caps the long side at max_size; with short_edge = min(h, w) and max_size = max(h, w) the scale is exactly 1.
/// </summary>
public static class BenchSpec
{
    /// <summary><paramref name="architecture"/> with INPUT.MIN_SIZE_TEST = min(h, w) and INPUT.MAX_SIZE_TEST = max(h, w).</summary>
    public static ArchitectureSpec WithoutResize(ArchitectureSpec architecture, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return architecture with
        {
            Input = architecture.Input with { MinSizeTest = Math.Min(height, width), MaxSizeTest = Math.Max(height, width) },
        };
    }

    /// <summary>
    /// Whether the bench generates the spec's seeded weights: no --weights, and MODEL.WEIGHTS either empty or a URL. The zoo configs
    /// name the ImageNet-pretrained backbone (detectron2://ImageNetPretrained/...) there, which initialises training and is no trained
    /// model; Detserve does not download, and timing needs only weights of the right shapes.
    /// </summary>
    public static bool UsesSeededWeights(string? weightsOption, string modelWeights)
    {
        ArgumentNullException.ThrowIfNull(modelWeights);
        return weightsOption is null && (modelWeights.Length == 0 || modelWeights.Contains("://", StringComparison.Ordinal));
    }
}
