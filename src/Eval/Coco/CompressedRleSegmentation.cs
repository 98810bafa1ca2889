using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// <c>{"size": [Height, Width], "counts": "string"}</c>: the compressed RLE string of <see cref="Rle.ToCompressedString"/>,
/// kept as its ASCII bytes. The counts were checked to be well formed when read.
/// </summary>
public sealed record CompressedRleSegmentation(int Height, int Width, byte[] Counts) : CocoSegmentation
{
    /// <summary>The RLE itself (pycocotools uses the dictionary as it is).</summary>
    public override Rle ToRle(int imageHeight, int imageWidth) => Rle.FromCompressedBytes(Counts, Height, Width);
}
