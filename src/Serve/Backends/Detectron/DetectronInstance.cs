using Detserve.Runtime;
using Detserve.Serve.Core;
using Detserve.Vision;

namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// One <see cref="Predictor"/>. The images of a dynamic batch are grouped by size and each group goes through one
/// Run call; the detections are split back per request. Grouping keeps every answer equal to DefaultPredictor's on
/// that image alone: a mixed-size batch would pad the smaller images to the largest (ImageList.from_tensors), and
/// padding changes convolution outputs near the border, so a result would depend on its batch neighbours.
/// Owns the predictor.
/// </summary>
public sealed class DetectronInstance : IModelInstance
{
    private readonly Predictor _predictor;
    private readonly string _name;

    public DetectronInstance(Predictor predictor, string name)
    {
        _predictor = predictor;
        _name = name;
    }

    public IReadOnlyList<BackendResponse> Execute(IReadOnlyList<BackendRequest> batch, ExecutionTimer timer, CancellationToken cancellationToken)
    {
        var responses = new BackendResponse?[batch.Count];
        var images = new List<RgbImage>();
        var owners = new List<(int Request, int First, int Count)>();
        for (var r = 0; r < batch.Count; r++)
        {
            try
            {
                var decoded = ToImages(batch[r].Input(DetectionTensorNames.Input));
                owners.Add((r, images.Count, decoded.Count));
                images.AddRange(decoded);
            }
            catch (ServeException e)
            {
                responses[r] = BackendResponse.Failure(e);
            }
        }

        timer.MarkInputDone();
        var detections = new Instances[images.Count];
        foreach (var group in Enumerable.Range(0, images.Count).GroupBy(i => (images[i].Height, images[i].Width)))
        {
            var indices = group.ToArray();
            var results = _predictor.Run(indices.Select(i => images[i]).ToArray(), cancellationToken);
            for (var k = 0; k < indices.Length; k++)
            {
                detections[indices[k]] = results[k];
            }
        }

        timer.MarkInferDone();
        foreach (var (request, first, count) in owners)
        {
            responses[request] = BackendResponse.Success(DetectionTensors.Build(detections.Skip(first).Take(count).ToArray(), batch[request]));
        }

        return responses.Select(r => r ?? throw new ServeException(ServeErrorCode.Internal, $"instance '{_name}' left a request unanswered")).ToArray();
    }

    public void Dispose() => _predictor.Dispose();

    /// <summary>UINT8 [batch, H, W, 3] RGB into one <see cref="RgbImage"/> per batch entry (the validator has checked the byte size).</summary>
    private static List<RgbImage> ToImages(InferTensor tensor)
    {
        var (batch, height, width) = (tensor.Shape[0], tensor.Shape[1], tensor.Shape[2]);
        if (height < 1 || width < 1 || height > int.MaxValue || width > int.MaxValue)
        {
            throw ServeException.InvalidArgument($"input '{tensor.Name}' has an empty or oversized image: shape {Shapes.Format(tensor.Shape)}");
        }

        var imageBytes = checked((int)(height * width * 3));
        var images = new List<RgbImage>((int)batch);
        for (var i = 0; i < batch; i++)
        {
            images.Add(new RgbImage((int)width, (int)height, tensor.Data.Slice(i * imageBytes, imageBytes).ToArray()));
        }

        return images;
    }
}
