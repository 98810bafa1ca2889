namespace Detserve.Backends.Cpu;

/// <summary>One FPN level for multi-level ROIAlign: NCHW float32 data and the scale from image to feature coordinates (1 / stride).</summary>
public sealed record FeatureLevel(ReadOnlyMemory<float> Data, int Batch, int Channels, int Height, int Width, float SpatialScale);
