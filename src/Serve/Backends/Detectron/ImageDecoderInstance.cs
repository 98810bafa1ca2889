using Detserve.Runtime;
using Detserve.Serve.Core;
using Detserve.Vision;

namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// Decodes every element of "image_bytes" with <see cref="ImageDecoder"/> (libjpeg-turbo for JPEG), or, given a
/// <see cref="GpuImageDecoder"/>, JPEGs with nvJPEG on its GPU; the images of one request must share a size to stack.
/// Owns the GPU decoder.
/// </summary>
public sealed class ImageDecoderInstance : IModelInstance
{
    private readonly GpuImageDecoder? _gpu;

    /// <summary>Creates the instance; <paramref name="gpu"/> (taken over) decodes JPEGs on a GPU, null decodes everything on the host.</summary>
    public ImageDecoderInstance(GpuImageDecoder? gpu)
    {
        _gpu = gpu;
    }

    public IReadOnlyList<BackendResponse> Execute(IReadOnlyList<BackendRequest> batch, ExecutionTimer timer, CancellationToken cancellationToken)
    {
        var responses = new List<BackendResponse>(batch.Count);
        foreach (var request in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                responses.Add(BackendResponse.Success([Decode(request.Input(ImageDecoderBackend.InputName))]));
            }
            catch (ServeException e)
            {
                responses.Add(BackendResponse.Failure(e));
            }
        }

        timer.MarkInferDone();
        return responses;
    }

    public void Dispose() => _gpu?.Dispose();

    private InferTensor Decode(InferTensor input)
    {
        var elements = input.ByteStrings();
        var images = new List<RgbImage>(elements.Count);
        for (var i = 0; i < elements.Count; i++)
        {
            try
            {
                var name = $"input '{input.Name}' element {i}";
                images.Add(_gpu is null ? ImageDecoder.Decode(elements[i].Span, name) : _gpu.Decode(new EncodedImage(name, elements[i])));
            }
            catch (ImageDecodeException e)
            {
                throw ServeException.InvalidArgument($"not a decodable image: {e.Message}");
            }
        }

        var (width, height) = (images[0].Width, images[0].Height);
        if (images.Any(image => image.Width != width || image.Height != height))
        {
            throw ServeException.InvalidArgument($"the images of one request to '{input.Name}' must share a size to form one tensor; send them as separate requests");
        }

        var plane = images[0].Pixels.Length;
        var data = new byte[checked(plane * images.Count)];
        for (var i = 0; i < images.Count; i++)
        {
            images[i].Pixels.CopyTo(data, i * plane);
        }

        return new InferTensor(ImageDecoderBackend.OutputName, TensorDataType.UInt8, [images.Count, height, width, 3], data);
    }
}
