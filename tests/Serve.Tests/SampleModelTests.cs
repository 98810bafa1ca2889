using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Detserve.Runtime;
using Detserve.Serve.Client;
using Detserve.Serve.Protocol;
using Detserve.Serve.Tests.Support;
using Detserve.Vision;
using Google.Protobuf;

namespace Detserve.Serve.Tests;

/// <summary>
/// End to end on the sample repository (samples/model_repository) with the real engine: the raw-tensor model
/// answers exactly what <see cref="Predictor"/> computes for the same image, and the pipeline ensemble takes PNG
/// bytes and returns masks pasted at the image's own size.
/// </summary>
public sealed class SampleModelTests : IClassFixture<SampleServerFixture>
{
    private static readonly string Samples = SampleServerFixture.Samples;
    private readonly SampleServerFixture _fixture;
    private readonly HttpClient _http;
    private readonly GrpcInferenceClient _grpc;

    public SampleModelTests(SampleServerFixture fixture)
    {
        _fixture = fixture;
        _http = fixture.Http;
        _grpc = fixture.Grpc;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RawTensor_EqualsPredictorOnTheSameImage()
    {
        var image = ImageDecoder.DecodeFile(Path.Combine(Samples, "mask_rcnn_R_50_FPN_narrow", "images", "t07_427x640.png"));
        var expected = Reference(image);
        var header = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "input_tensor",
                ["datatype"] = "UINT8",
                ["shape"] = new JsonArray(1, image.Height, image.Width, 3),
                ["parameters"] = new JsonObject { ["binary_data_size"] = image.Pixels.Length },
            }),
            ["outputs"] = new JsonArray(
                new JsonObject { ["name"] = "num_detections" },
                new JsonObject { ["name"] = "detection_boxes", ["parameters"] = new JsonObject { ["binary_data"] = true } },
                new JsonObject { ["name"] = "detection_scores", ["parameters"] = new JsonObject { ["binary_data"] = true } },
                new JsonObject { ["name"] = "detection_classes" }),
        };
        using var response = await _http.PostAsync("/v2/models/mask_rcnn/infer", InferJson.Binary(header, image.Pixels), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headerLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        var outputs = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 0, headerLength))!["outputs"]!.AsArray();
        Assert.Equal(expected.Count, outputs[0]!["data"]![0]!.GetValue<int>());
        Assert.True(expected.Count > 0, "the sample image should have detections");
        var boxes = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(headerLength, expected.Count * 16)).ToArray();
        var scores = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(headerLength + (expected.Count * 16), expected.Count * 4)).ToArray();
        Assert.Equal(expected.Boxes, boxes);
        Assert.Equal(expected.Scores, scores);
        Assert.Equal(expected.Classes, outputs[3]!["data"]!.AsArray().Select(c => c!.GetValue<int>()));
    }

    [Fact]
    public async Task Pipeline_PngBytes_ReturnsMasksAtImageSize()
    {
        var path = Path.Combine(Samples, "mask_rcnn_R_50_FPN_narrow", "images", "t00_512x512.png");
        var image = ImageDecoder.DecodeFile(path);
        var expected = Reference(image);
        var request = new ModelInferRequest { ModelName = "mask_rcnn_pipeline", Id = "png" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "image_bytes", Datatype = "BYTES", Shape = { 1, 1 } });
        var png = await File.ReadAllBytesAsync(path, Ct);
        request.RawInputContents.Add(ByteString.CopyFrom([.. BitConverter.GetBytes(png.Length), .. png]));
        var response = await _grpc.ModelInferAsync(request, Ct);
        var names = response.Outputs.Select(o => o.Name).ToArray();
        Assert.Equal(["num_detections", "detection_boxes", "detection_scores", "detection_classes", "detection_masks"], names);
        Assert.Equal(expected.Count, BitConverter.ToInt32(response.RawOutputContents[0].Span));
        Assert.Equal(expected.Boxes, MemoryMarshal.Cast<byte, float>(response.RawOutputContents[1].Span).ToArray());
        var masks = response.Outputs[4];
        Assert.Equal([1L, expected.Count, image.Height, image.Width], masks.Shape);
        var plane = image.Height * image.Width;
        for (var d = 0; d < expected.Count; d++)
        {
            Assert.Equal(expected.GetMask(d)!.Data, response.RawOutputContents[4].Span.Slice(d * plane, plane).ToArray());
        }
    }

    [Fact]
    public async Task Pipeline_UndecodableImage_IsInvalidArgument_AndServerStaysLive()
    {
        var request = new ModelInferRequest { ModelName = "mask_rcnn_pipeline" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "image_bytes", Datatype = "BYTES", Shape = { 1, 1 }, Contents = new InferTensorContents { BytesContents = { ByteString.CopyFromUtf8("not an image at all") } } });
        var error = await Assert.ThrowsAsync<GrpcCallException>(() => _grpc.ModelInferAsync(request, Ct));
        Assert.Equal(3, error.Status);
        Assert.Contains("not a decodable image", error.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/v2/health/ready", Ct)).StatusCode);
    }

    [Fact]
    public async Task MixedSizes_InOneDynamicBatch_EachEqualsItsOwnResult()
    {
        var small = ImageDecoder.DecodeFile(Path.Combine(Samples, "mask_rcnn_R_50_FPN_narrow", "images", "t07_427x640.png"));
        var square = ImageDecoder.DecodeFile(Path.Combine(Samples, "mask_rcnn_R_50_FPN_narrow", "images", "t00_512x512.png"));
        var results = await Task.WhenAll(new[] { small, square, small }.Select(i => _grpc.ModelInferAsync(RawRequest(i), Ct)));
        foreach (var (image, response) in new[] { small, square, small }.Zip(results))
        {
            var expected = Reference(image);
            // Images are batched only with images of their own size (no padding changes), but the engine's batched
            // GEMMs still move the last float bits: counts are equal and scores agree to 1e-5.
            Assert.Equal(expected.Count, BitConverter.ToInt32(response.RawOutputContents[0].Span));
            var scores = MemoryMarshal.Cast<byte, float>(response.RawOutputContents[2].Span).ToArray();
            Assert.Equal(expected.Scores.Length, scores.Length);
            for (var i = 0; i < scores.Length; i++)
            {
                Assert.True(Math.Abs(expected.Scores[i] - scores[i]) <= 1e-5, $"score {i}: {expected.Scores[i]} vs {scores[i]}");
            }
        }
    }

    private static ModelInferRequest RawRequest(RgbImage image)
    {
        var request = new ModelInferRequest { ModelName = "mask_rcnn" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input_tensor", Datatype = "UINT8", Shape = { 1, image.Height, image.Width, 3 } });
        request.RawInputContents.Add(ByteString.CopyFrom(image.Pixels));
        foreach (var name in new[] { "num_detections", "detection_boxes", "detection_scores" })
        {
            request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = name });
        }

        return request;
    }

    private Instances Reference(RgbImage image) => _fixture.Reference(image);
}
