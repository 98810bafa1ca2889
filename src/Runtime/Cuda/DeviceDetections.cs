using Detserve.Backends.Cuda;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// Reads a plan's fixed-capacity detection buffers back (waits for the run): per image the first count[n] of capacity rows
/// of boxes (x1 y1 x2 y2), scores and classes; shared by the R-CNN and RetinaNet detectors.
/// </summary>
internal static class DeviceDetections
{
    public static Detections[] Download(GpuContext gpu, DeviceBuffer boxes, DeviceBuffer scores, DeviceBuffer classes, DeviceBuffer counts,
        int batch, int capacity, string what)
    {
        int d = capacity;
        var perImage = new int[batch];
        var boxValues = new float[batch * d * 4];
        var scoreValues = new float[batch * d];
        var classValues = new int[batch * d];
        boxes.Download<float>(boxValues, gpu.Stream);
        scores.Download<float>(scoreValues, gpu.Stream);
        classes.Download<int>(classValues, gpu.Stream);
        counts.Download<int>(perImage, gpu.Stream);
        var results = new Detections[batch];
        for (int n = 0; n < batch; n++)
        {
            int k = perImage[n];
            if (k < 0 || k > d) throw new CudaException($"image {n}: the device reports {k} {what} for a capacity of {d}");
            results[n] = new Detections(boxValues.AsSpan(n * d * 4, k * 4).ToArray(), scoreValues.AsSpan(n * d, k).ToArray(),
                classValues.AsSpan(n * d, k).ToArray());
        }
        return results;
    }
}
