using Detserve.Runtime;
using Detserve.Serve.Core;

namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// Detections of one request's images as the "detserve" output tensors: the per-image lists are padded with
/// zeros to the request's largest count N (TensorRT's sample pads to a fixed 100; here N follows the data), so
/// num_detections says how many rows of each image are real. Pasted masks are built only when asked for.
/// </summary>
public static class DetectionTensors
{
    public static IReadOnlyList<InferTensor> Build(IReadOnlyList<Instances> images, BackendRequest request)
    {
        var batch = images.Count;
        var n = images.Count == 0 ? 0 : images.Max(i => i.Count);
        var outputs = new List<InferTensor>();
        if (request.Wants(DetectionTensorNames.NumDetections))
        {
            outputs.Add(InferTensor.FromInt32(DetectionTensorNames.NumDetections, [batch, 1], images.Select(i => i.Count).ToArray()));
        }

        if (request.Wants(DetectionTensorNames.Boxes))
        {
            var boxes = new float[batch * n * 4];
            for (var b = 0; b < batch; b++)
            {
                images[b].Boxes.AsSpan(0, images[b].Count * 4).CopyTo(boxes.AsSpan(b * n * 4));
            }

            outputs.Add(InferTensor.FromFloats(DetectionTensorNames.Boxes, [batch, n, 4], boxes));
        }

        if (request.Wants(DetectionTensorNames.Scores))
        {
            var scores = new float[batch * n];
            for (var b = 0; b < batch; b++)
            {
                images[b].Scores.AsSpan(0, images[b].Count).CopyTo(scores.AsSpan(b * n));
            }

            outputs.Add(InferTensor.FromFloats(DetectionTensorNames.Scores, [batch, n], scores));
        }

        if (request.Wants(DetectionTensorNames.Classes))
        {
            var classes = new int[batch * n];
            for (var b = 0; b < batch; b++)
            {
                images[b].Classes.AsSpan(0, images[b].Count).CopyTo(classes.AsSpan(b * n));
            }

            outputs.Add(InferTensor.FromInt32(DetectionTensorNames.Classes, [batch, n], classes));
        }

        var hasMasks = images.All(i => i.MaskProbabilities is not null);
        if (hasMasks && request.Wants(DetectionTensorNames.Masks))
        {
            var m = images.Count == 0 ? 28 : images[0].MaskResolution;
            var masks = new float[batch * n * m * m];
            for (var b = 0; b < batch; b++)
            {
                images[b].MaskProbabilities.AsSpan(0, images[b].Count * m * m).CopyTo(masks.AsSpan(b * n * m * m));
            }

            outputs.Add(InferTensor.FromFloats(DetectionTensorNames.Masks, [batch, n, m, m], masks));
        }

        // Pasted masks are image-sized; they are produced only on request (explicitly, or by an ensemble step).
        if (hasMasks && request.RequestedOutputs.Contains(DetectionTensorNames.PastedMasks))
        {
            outputs.Add(PastedMasks(images, n));
        }

        return outputs;
    }

    private static InferTensor PastedMasks(IReadOnlyList<Instances> images, int n)
    {
        var (height, width) = images.Count == 0 ? (0, 0) : (images[0].ImageHeight, images[0].ImageWidth);
        if (images.Any(i => i.ImageHeight != height || i.ImageWidth != width))
        {
            throw ServeException.InvalidArgument($"'{DetectionTensorNames.PastedMasks}' needs every image of a request to have the same size");
        }

        var plane = (long)height * width;
        var data = new byte[checked(images.Count * n * plane)];
        for (var b = 0; b < images.Count; b++)
        {
            for (var d = 0; d < images[b].Count; d++)
            {
                if (images[b].GetMaskRegion(d) is not { } mask)
                {
                    continue;
                }

                var origin = (b * n + d) * plane;
                for (var row = 0; row < mask.Region.Height; row++)
                {
                    mask.Crop.AsSpan(row * mask.Region.Width, mask.Region.Width)
                        .CopyTo(data.AsSpan((int)(origin + ((long)(mask.Region.Y0 + row) * width) + mask.Region.X0)));
                }
            }
        }

        return new InferTensor(DetectionTensorNames.PastedMasks, TensorDataType.UInt8, [images.Count, n, height, width], data);
    }
}
