namespace Detserve.Backends.Cpu;

/// <summary>
/// torchvision roi_align attributes: square <paramref name="OutputSize"/> bins, samples per bin axis
/// (<paramref name="SamplingRatio"/> ≤ 0 means adaptive ceil(roi / output)), and the half-pixel shift of aligned=True
/// (Detectron2's ROIAlignV2).
/// </summary>
public readonly record struct RoiAlignParams(int OutputSize, int SamplingRatio, bool Aligned);
