using Detserve.Graph.Spec;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// What Detectron2's DefaultPredictor and GeneralizedRCNN.preprocess_image do to an image before the backbone
/// (detectron2/engine/defaults.py, modeling/meta_arch/rcnn.py, structures/image_list.py).
/// </summary>
public static class ImagePreprocessor
{
    /// <summary>
    /// ResizeShortestEdge([MIN_SIZE_TEST, MIN_SIZE_TEST], MAX_SIZE_TEST) applied to the uint8 image with Pillow's bilinear filter
    /// (data/transforms/transform.py ResizeTransform); MIN_SIZE_TEST 0 leaves the image as it is (the augmentation's NoOpTransform).
    /// Resizing treats channels alike, so the result is still RGB.
    /// </summary>
    public static RgbImage Resize(RgbImage image, InputSpec input)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(input);
        (int h, int w) = ResizedSize(image, input);
        return h == image.Height && w == image.Width ? image : PillowResize.Bilinear(image, w, h);
    }

    /// <summary>The size <see cref="Resize"/> gives <paramref name="image"/> (the GPU path resizes on the device to it).</summary>
    public static (int Height, int Width) ResizedSize(RgbImage image, InputSpec input)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ResizedSize(image.Height, image.Width, input);
    }

    /// <summary>The size <see cref="Resize"/> gives an image of <paramref name="height"/> x <paramref name="width"/> (MIN_SIZE_TEST 0: unchanged).</summary>
    public static (int Height, int Width) ResizedSize(int height, int width, InputSpec input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.MinSizeTest == 0
            ? (height, width)
            : ResizeShortestEdge.GetOutputShape(height, width, input.MinSizeTest, input.MaxSizeTest);
    }

    /// <summary>
    /// Builds the padded batch tensor (N, 3, Hp, Wp) from resized RGB images: channels in INPUT.FORMAT order (DefaultPredictor
    /// feeds BGR when the format is BGR), float32 (x - PIXEL_MEAN) / PIXEL_STD, then zero padding on the bottom and right up to the
    /// batch's largest size rounded up to <paramref name="sizeDivisibility"/> (ImageList.from_tensors pads after normalizing), or up to
    /// the smallest of <paramref name="buckets"/> that holds it.
    /// </summary>
    public static FeatureMap Batch(IReadOnlyList<RgbImage> resized, InputSpec input, int sizeDivisibility, ShapeBuckets? buckets = null)
    {
        ArgumentNullException.ThrowIfNull(resized);
        ArgumentNullException.ThrowIfNull(input);
        if (resized.Count == 0) throw new ArgumentException("the batch is empty", nameof(resized));
        int maxH = 0, maxW = 0;
        foreach (RgbImage im in resized)
        {
            maxH = Math.Max(maxH, im.Height);
            maxW = Math.Max(maxW, im.Width);
        }
        if (sizeDivisibility > 1)
        {
            maxH = (maxH + sizeDivisibility - 1) / sizeDivisibility * sizeDivisibility;
            maxW = (maxW + sizeDivisibility - 1) / sizeDivisibility * sizeDivisibility;
        }
        if (buckets is not null) (maxH, maxW) = buckets.PaddedSize(maxH, maxW);
        bool bgr = input.Format == "BGR";
        // pixel_mean / pixel_std are float32 buffers in Detectron2; the subtraction and division happen in float32.
        Span<float> mean = stackalloc float[3];
        Span<float> std = stackalloc float[3];
        for (int c = 0; c < 3; c++)
        {
            mean[c] = (float)input.PixelMean[c];
            std[c] = (float)input.PixelStd[c];
        }
        int plane = maxH * maxW;
        var data = new float[resized.Count * 3 * plane];
        for (int n = 0; n < resized.Count; n++)
        {
            RgbImage im = resized[n];
            byte[] px = im.Pixels;
            for (int c = 0; c < 3; c++)
            {
                int src = bgr ? 2 - c : c;
                float m = mean[c], s = std[c];
                Span<float> dst = data.AsSpan(((n * 3) + c) * plane, plane);
                for (int y = 0; y < im.Height; y++)
                {
                    int row = y * im.Width * 3;
                    Span<float> d = dst.Slice(y * maxW, im.Width);
                    for (int x = 0; x < d.Length; x++) d[x] = (px[row + (3 * x) + src] - m) / s;
                }
            }
        }
        return new FeatureMap(data, resized.Count, 3, maxH, maxW);
    }
}
