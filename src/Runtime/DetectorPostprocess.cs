namespace Detserve.Runtime;

/// <summary>
/// detectron2/modeling/postprocessing.py detector_postprocess: boxes scaled by (output width / resized width, output height / resized
/// height), clipped to the output image, and detections whose box became empty dropped (masks follow their boxes).
/// </summary>
internal static class DetectorPostprocess
{
    public static Instances Run(Detections det, float[]? maskProbs, int maskResolution, int resizedHeight, int resizedWidth, int outputHeight, int outputWidth)
    {
        // Python floats (double) divided, then multiplied into the float32 box tensor in float32 (Boxes.scale: tensor[:, 0::2] *= scale_x).
        float sx = (float)((double)outputWidth / resizedWidth);
        float sy = (float)((double)outputHeight / resizedHeight);
        float[] boxes = (float[])det.Boxes.Clone();
        for (int i = 0; i < det.Count; i++)
        {
            boxes[4 * i] *= sx;
            boxes[(4 * i) + 1] *= sy;
            boxes[(4 * i) + 2] *= sx;
            boxes[(4 * i) + 3] *= sy;
        }
        BoxOps.Clip(boxes, outputHeight, outputWidth);
        var keep = new List<int>(det.Count);
        for (int i = 0; i < det.Count; i++)
            if (BoxOps.NonEmpty(boxes, i, 0f)) keep.Add(i);

        int m2 = maskResolution * maskResolution;
        var outBoxes = new float[keep.Count * 4];
        var outScores = new float[keep.Count];
        var outClasses = new int[keep.Count];
        float[]? outMasks = maskProbs is null ? null : new float[keep.Count * m2];
        for (int j = 0; j < keep.Count; j++)
        {
            int i = keep[j];
            boxes.AsSpan(4 * i, 4).CopyTo(outBoxes.AsSpan(4 * j, 4));
            outScores[j] = det.Scores[i];
            outClasses[j] = det.Labels[i];
            maskProbs?.AsSpan(i * m2, m2).CopyTo(outMasks.AsSpan(j * m2, m2));
        }
        return new Instances(outputHeight, outputWidth, outBoxes, outScores, outClasses, outMasks, maskResolution);
    }
}
