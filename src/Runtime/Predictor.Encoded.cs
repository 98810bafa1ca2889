using Detserve.Graph.Spec;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>The predictor on encoded image files: decode (host or nvJPEG), then the same run as <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/>.</summary>
public sealed partial class Predictor
{
    /// <summary>
    /// Decodes <paramref name="images"/> and runs the ones that decode as one batch, as <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/>
    /// does for decoded images. A file that does not decode does not stop the others: its result carries the
    /// <see cref="ImageDecodeException"/> (message starting with the image's name) and it is left out of the batch, so the batch that runs
    /// (and its padding, ImageList.from_tensors) is that of the images that decoded.
    /// </summary>
    /// <param name="images">Encoded PNG, JPEG or BMP files; names should be unique enough to tell failures apart.</param>
    /// <param name="decoding">
    /// <see cref="JpegDecoding.Cpu"/> (default): every image decoded on the host by <see cref="ImageDecoder.Decode"/>, exactly the pixels
    /// Detectron2's read_image gets from Pillow (libjpeg-turbo, EXIF orientation applied), so the results equal decoding with Vision and
    /// calling Run. <see cref="JpegDecoding.Gpu"/> (CUDA predictors only, opt-in): JPEGs decoded by nvJPEG straight into device memory,
    /// oriented (EXIF) and resized on the GPU, so their pixels never cross PCIe; the image geometry is the host decoder's, and 4:4:4 or
    /// greyscale files decode to libjpeg-turbo's exact pixels, but nvJPEG's chroma upsampling of 4:2:0 / 4:2:2 files is not libjpeg's
    /// "fancy" filter, so their pixels and hence detections may differ slightly from Detectron2's (see <see cref="JpegDecoding.Gpu"/>).
    /// Other formats and JPEGs nvJPEG cannot or must not decode (CMYK/YCCK, sampling factors it refuses, truncated files) go to the host
    /// decoder.
    /// </param>
    /// <param name="cancellationToken">Checked between decoding and the run and between the run's stages.</param>
    /// <returns>One result per input, in order: its <see cref="Instances"/> (original-image pixels, after orientation) or its error.</returns>
    /// <exception cref="NotSupportedException"><see cref="JpegDecoding.Gpu"/> on a predictor that runs on the CPU.</exception>
    /// <exception cref="ArgumentException">more images than the predictor's max batch.</exception>
    public IReadOnlyList<EncodedImageResult> RunEncoded(IReadOnlyList<EncodedImage> images, JpegDecoding decoding = JpegDecoding.Cpu,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        for (int i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], $"images[{i}]");
            ArgumentNullException.ThrowIfNull(images[i].Name, $"images[{i}].Name");
        }
        if (!Enum.IsDefined(decoding)) throw new ArgumentOutOfRangeException(nameof(decoding), decoding, "JpegDecoding must be Cpu or Gpu");
        if (decoding == JpegDecoding.Gpu && _device is null)
            throw new NotSupportedException("JPEG decoding on the GPU needs a predictor on a CUDA device (--device cuda); this one runs on the CPU");
        CheckBatchSize(images.Count);
        return decoding == JpegDecoding.Gpu ? RunEncodedOnGpu(images, cancellationToken) : RunEncodedOnHost(images, cancellationToken);
    }

    /// <summary>Host decoding (thread-safe, outside the run lock), then <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/>.</summary>
    private EncodedImageResult[] RunEncodedOnHost(IReadOnlyList<EncodedImage> images, CancellationToken cancellationToken)
    {
        var decoded = new RgbImage?[images.Count];
        var errors = new ImageDecodeException?[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                decoded[i] = ImageDecoder.Decode(images[i].Bytes.Span, images[i].Name);
            }
            catch (ImageDecodeException e)
            {
                errors[i] = e;
            }
        }
        int[] good = Enumerable.Range(0, images.Count).Where(i => decoded[i] is not null).ToArray();
        IReadOnlyList<Instances> instances = good.Length == 0 ? [] : Run(good.Select(i => decoded[i]!).ToArray(), cancellationToken);
        return Collect(images, errors, good, instances);
    }

    /// <summary>
    /// nvJPEG decoding into the detector's device buffers (<see cref="GpuImageInput.Decode"/>), then the GPU run from there; under the run
    /// lock, since the decode buffers belong to the detector.
    /// </summary>
    private EncodedImageResult[] RunEncodedOnGpu(IReadOnlyList<EncodedImage> images, CancellationToken cancellationToken)
    {
        lock (_runLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            GpuImageBatch batch = _device!.Decode(images, ImageLimits.Default);
            int[] good = Enumerable.Range(0, images.Count).Where(i => batch.Images[i] is not null).ToArray();
            if (good.Length == 0) return Collect(images, batch.Errors, good, []);
            cancellationToken.ThrowIfCancellationRequested();
            GpuInputImage[] originals = good.Select(i => batch.Images[i]!).ToArray();
            InputSpec input = Model.Architecture.Input;
            // The resize of ImagePreprocessor.Resize, on the oriented original size.
            (int Height, int Width)[] sizes = originals
                .Select(o => ImagePreprocessor.ResizedSize(o.Height, o.Width, input))
                .ToArray();
            IReadOnlyList<(Detections Detections, float[]? Masks)> perImage = _device!.Run(originals, sizes, cancellationToken);
            int maskResolution = _device.MaskResolution;
            var instances = new Instances[good.Length];
            for (int k = 0; k < good.Length; k++)
                instances[k] = DetectorPostprocess.Run(perImage[k].Detections, perImage[k].Masks, maskResolution,
                    sizes[k].Height, sizes[k].Width, originals[k].Height, originals[k].Width);
            return Collect(images, batch.Errors, good, instances);
        }
    }

    private static EncodedImageResult[] Collect(IReadOnlyList<EncodedImage> images, IReadOnlyList<ImageDecodeException?> errors, int[] good,
        IReadOnlyList<Instances> instances)
    {
        var results = new EncodedImageResult[images.Count];
        for (int k = 0; k < good.Length; k++) results[good[k]] = new EncodedImageResult(images[good[k]].Name, instances[k], null);
        for (int i = 0; i < images.Count; i++)
            results[i] ??= new EncodedImageResult(images[i].Name, null, errors[i]
                ?? throw new InvalidOperationException($"image {i} ('{images[i].Name}') has neither detections nor a decode error"));
        return results;
    }
}
