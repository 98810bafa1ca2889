using Detserve.Eval.Coco;
using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// What the GPU JPEG tests share: the golden Mask R-CNN on cuda:0 in FP32, a <see cref="GpuImageDecoder"/> on the same GPU, the
/// shapes_test ground truth and its PNGs decoded once. Made on first use, so a filtered run pays only for what it touches.
/// </summary>
public sealed class GpuJpegFixture : IDisposable
{
    private readonly Lazy<Predictor> _predictor = new(() =>
        Predictor.Create(ModelLoader.Load(Golden.ConfigOf(Golden.MaskRcnn), Golden.WeightsOf(Golden.MaskRcnn), []), new PredictorOptions("cuda", 0, "fp32")));

    private readonly Lazy<GpuImageDecoder> _decoder = new(() => GpuImageDecoder.Open("cuda"));

    private readonly Lazy<CocoGroundTruth> _groundTruth = new(() => CocoGroundTruth.Load(Golden.Annotations));

    private readonly Lazy<IReadOnlyList<(CocoImage Info, RgbImage Image)>> _images;

    public GpuJpegFixture()
    {
        _images = new(() => GroundTruth.Images
            .Select(info => (info, ImageDecoder.DecodeFile(Golden.Path("shapes_test", info.FileName!))))
            .ToArray());
    }

    /// <summary>The golden Mask R-CNN on cuda:0, FP32.</summary>
    public Predictor Predictor => _predictor.Value;

    /// <summary>nvJPEG decoding to host images on cuda:0.</summary>
    public GpuImageDecoder Decoder => _decoder.Value;

    public CocoGroundTruth GroundTruth => _groundTruth.Value;

    /// <summary>shapes_test's images in annotations.json order, decoded from the PNGs.</summary>
    public IReadOnlyList<(CocoImage Info, RgbImage Image)> Images => _images.Value;

    /// <summary>Each golden image as a JPEG (libjpeg-turbo, accurate DCT) named "&lt;stem&gt;.jpg".</summary>
    public IReadOnlyList<(CocoImage Info, EncodedImage Jpeg)> Jpegs(int quality, int subsampling) => Images
        .Select(p => (p.Info, new EncodedImage(Path.ChangeExtension(p.Info.FileName!, ".jpg"), TurboJpegEncoder.Encode(p.Image, quality, subsampling))))
        .ToArray();

    public void Dispose()
    {
        if (_decoder.IsValueCreated) _decoder.Value.Dispose();
        if (_predictor.IsValueCreated) _predictor.Value.Dispose();
    }
}
