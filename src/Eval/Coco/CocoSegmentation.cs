using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// The <c>segmentation</c> of a COCO annotation or result, in one of the three forms pycocotools accepts:
/// <see cref="PolygonSegmentation"/>, <see cref="UncompressedRleSegmentation"/> or <see cref="CompressedRleSegmentation"/>.
/// </summary>
public abstract record CocoSegmentation
{
    /// <summary>
    /// <c>COCO.annToRLE</c>: the mask of this segmentation on an image of the given size. Polygons are rasterised at the
    /// image size and merged; RLE forms keep their own <c>size</c>, as pycocotools does. Throws
    /// <see cref="CocoFormatException"/> for what pycocotools cannot convert.
    /// </summary>
    public abstract Rle ToRle(int imageHeight, int imageWidth);
}
