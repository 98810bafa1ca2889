using Detserve.Backends.Cpu;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// One image's detections, as Detectron2's DefaultPredictor returns them in "instances": boxes in original-image pixels (x1, y1, x2, y2),
/// scores in Detectron2's output order (non-increasing), 0-based contiguous classes, and for mask models the 28x28 sigmoid
/// probabilities of each detection's predicted class; <see cref="GetMask"/> pastes one at full resolution on demand
/// (detectron2/layers/mask_ops.py paste_masks_in_image, threshold 0.5), so a caller that needs no masks pays nothing for them.
/// </summary>
public sealed class Instances
{
    /// <summary>Creates a result; arrays are taken over, not copied.</summary>
    public Instances(int imageHeight, int imageWidth, float[] boxes, float[] scores, int[] classes, float[]? maskProbabilities, int maskResolution)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(classes);
        if (boxes.Length != scores.Length * 4 || classes.Length != scores.Length)
            throw new ArgumentException($"{scores.Length} scores need {scores.Length * 4} box values and {scores.Length} classes, got {boxes.Length} and {classes.Length}");
        if (maskProbabilities is not null && maskProbabilities.Length != scores.Length * maskResolution * maskResolution)
            throw new ArgumentException($"{scores.Length} masks of {maskResolution}x{maskResolution} need {scores.Length * maskResolution * maskResolution} values, got {maskProbabilities.Length}");
        ImageHeight = imageHeight;
        ImageWidth = imageWidth;
        Boxes = boxes;
        Scores = scores;
        Classes = classes;
        MaskProbabilities = maskProbabilities;
        MaskResolution = maskProbabilities is null ? 0 : maskResolution;
    }

    /// <summary>Original image height in pixels.</summary>
    public int ImageHeight { get; }

    /// <summary>Original image width in pixels.</summary>
    public int ImageWidth { get; }

    /// <summary>Number of detections.</summary>
    public int Count => Scores.Length;

    /// <summary>Count x 4 values: x1, y1, x2, y2 in original-image pixels (continuous coordinates, pixel edges).</summary>
    public float[] Boxes { get; }

    /// <summary>Count scores, non-increasing.</summary>
    public float[] Scores { get; }

    /// <summary>Count classes, 0-based contiguous ids.</summary>
    public int[] Classes { get; }

    /// <summary>Count x M x M sigmoid probabilities of each detection's class before pasting, or null for a model without masks.</summary>
    public float[]? MaskProbabilities { get; }

    /// <summary>M, the side of each mask in <see cref="MaskProbabilities"/> (28 for the standard head); 0 without masks.</summary>
    public int MaskResolution { get; }

    /// <summary>
    /// Detection <paramref name="i"/>'s mask pasted into the full image (H x W, 0/1) as Detectron2's pred_masks: bilinear grid_sample of
    /// the probabilities at pixel centres, then >= 0.5. Null when the model predicts no masks.
    /// </summary>
    public BinaryMask? GetMask(int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Count);
        if (MaskProbabilities is null) return null;
        int m = MaskResolution;
        var data = new byte[ImageHeight * ImageWidth];
        PasteMasks.PasteMask(MaskProbabilities.AsSpan(i * m * m, m * m), m,
            Boxes[4 * i], Boxes[(4 * i) + 1], Boxes[(4 * i) + 2], Boxes[(4 * i) + 3],
            ImageHeight, ImageWidth, 0.5f, data);
        return new BinaryMask(ImageWidth, ImageHeight, data);
    }

    /// <summary>
    /// The same mask as <see cref="GetMask"/>, computed only inside its box region (floor(x1) - 1 .. ceil(x2) + 1, clamped), which is
    /// where _do_paste_mask can set pixels: <c>Crop</c> is Region.Height x Region.Width bytes (0/1, row-major); the rest of the image is 0.
    /// </summary>
    public (MaskRegion Region, byte[] Crop)? GetMaskRegion(int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Count);
        if (MaskProbabilities is null) return null;
        int m = MaskResolution;
        float x1 = Boxes[4 * i], y1 = Boxes[(4 * i) + 1], x2 = Boxes[(4 * i) + 2], y2 = Boxes[(4 * i) + 3];
        MaskRegion region = PasteMasks.Region(x1, y1, x2, y2, ImageHeight, ImageWidth);
        var crop = new byte[region.Width * region.Height];
        PasteMasks.PasteMaskRegion(MaskProbabilities.AsSpan(i * m * m, m * m), m, x1, y1, x2, y2, ImageHeight, ImageWidth, 0.5f, crop);
        return (region, crop);
    }
}
