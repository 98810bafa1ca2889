namespace Detserve.Runtime;

/// <summary>Where <see cref="Predictor.RunEncoded"/> decodes JPEG images.</summary>
public enum JpegDecoding
{
    /// <summary>
    /// On the host with libjpeg-turbo (Detserve.Vision, exactly what Detectron2's read_image gets from Pillow: islow IDCT, fancy upsampling,
    /// EXIF orientation). The default, and the only choice on the CPU.
    /// </summary>
    Cpu,

    /// <summary>
    /// On the predictor's GPU with nvJPEG, straight into the device buffer the GPU resize reads, so the decoded pixels never cross PCIe
    /// (EXIF orientation applied on the device, with the host decoder's geometry). CUDA predictors only, and opt-in, because nvJPEG is not
    /// bit-identical to libjpeg-turbo for every file: 4:4:4 and greyscale JPEGs gave libjpeg-turbo's exact pixels (H100, nvJPEG of CUDA 13),
    /// but nvJPEG upsamples the chroma of 4:2:0 / 4:2:2 files without libjpeg's "fancy" triangle filter, so colour edges differ by up to
    /// ~95 levels (under 1 level on average on the golden shapes_test images, whose COCO AP moved by 0.65 bbox / 0.40 segm points), and
    /// detections may differ slightly from Detectron2's. Other formats, and JPEGs nvJPEG cannot decode or must not (CMYK/YCCK, sampling
    /// factors it refuses, truncated or malformed files), are decoded on the host as with <see cref="Cpu"/>, which also names any failure.
    /// </summary>
    Gpu,
}
