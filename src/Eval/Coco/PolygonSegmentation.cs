using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>A list of polygons, each <c>[x0, y0, x1, y1, ...]</c>, that together make one object.</summary>
public sealed record PolygonSegmentation(IReadOnlyList<double[]> Polygons) : CocoSegmentation
{
    /// <summary>
    /// <c>frPyObjects(polygons, h, w)</c> then <c>merge</c>. pycocotools picks the conversion from the first polygon:
    /// more than 4 numbers means polygons; exactly 4 would be read as boxes and fails, fewer fails too.
    /// </summary>
    public override Rle ToRle(int imageHeight, int imageWidth)
    {
        if (Polygons.Count == 0)
        {
            throw new CocoFormatException("the polygon list is empty (pycocotools' frPyObjects cannot convert it)");
        }

        if (Polygons[0].Length <= 4)
        {
            throw new CocoFormatException(
                $"the first polygon has {Polygons[0].Length} numbers; pycocotools' frPyObjects needs more than 4 to read polygons");
        }

        var parts = new Rle[Polygons.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            if (Polygons[i].Length < 2)
            {
                throw new CocoFormatException($"polygon {i} has {Polygons[i].Length} numbers, fewer than one point");
            }

            parts[i] = Rle.FromPolygon(Polygons[i], imageHeight, imageWidth);
        }

        return Rle.Merge(parts);
    }
}
