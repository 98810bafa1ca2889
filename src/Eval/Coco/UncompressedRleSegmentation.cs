using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// <c>{"size": [Height, Width], "counts": [ints]}</c>: plain run lengths, column-major (COCO uses it for crowd
/// regions). The counts were checked to cover exactly Height x Width pixels when read.
/// </summary>
public sealed record UncompressedRleSegmentation(int Height, int Width, uint[] Counts) : CocoSegmentation
{
    /// <summary><c>frUncompressedRLE</c>: the runs as they are, at their own size (the image size is not used).</summary>
    public override Rle ToRle(int imageHeight, int imageWidth) => new(Height, Width, (uint[])Counts.Clone());
}
