namespace Detserve.Eval.Masks;

/// <summary>
/// A mask as COCO results carry it (<c>{"size": [Height, Width], "counts": Counts}</c>) with its pycocotools
/// <c>area</c> and <c>toBbox</c>. What the CLI's <c>infer</c> writes for each detection.
/// </summary>
public sealed record EncodedMask(int Height, int Width, string Counts, long Area, BoxXywh Bbox)
{
    /// <summary>
    /// Encodes a full-resolution row-major binary mask (H x W bytes, 0/1, the layout of a pasted
    /// Detectron2 <c>pred_masks</c> entry) as <c>pycocotools.mask.encode</c> of its Fortran-ordered copy does.
    /// </summary>
    public static EncodedMask FromRowMajor(ReadOnlySpan<byte> mask, int height, int width)
    {
        Rle rle = Rle.EncodeRowMajor(mask, height, width);
        return FromRle(rle);
    }

    /// <summary>The compressed form of an RLE with its area and box.</summary>
    public static EncodedMask FromRle(Rle rle)
    {
        ArgumentNullException.ThrowIfNull(rle);
        return new EncodedMask(rle.Height, rle.Width, rle.ToCompressedString(), rle.Area(), rle.ToBbox());
    }
}
