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
    /// (EXIF orientation applied on the device). CUDA predictors only; opt-in because nvJPEG is not bit-identical to libjpeg-turbo: its IDCT
    /// and its plain (not "fancy") chroma upsampling move pixels of 4:2:0 / 4:2:2 files by a few levels on average and up to ~90 levels at
    /// sharp colour edges, so detections can differ slightly from Detectron2's. Other formats, and JPEGs nvJPEG cannot decode (CMYK/YCCK,
    /// sampling factors it does not support), are decoded on the host as with <see cref="Cpu"/>.
    /// </summary>
    Gpu,
}
