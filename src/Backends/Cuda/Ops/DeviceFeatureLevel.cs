namespace Detserve.Backends.Cuda.Ops;

/// <summary>One FPN level on the device: features [batch, channels, Height, Width] float32 and its spatial scale (1 / stride).</summary>
public sealed record DeviceFeatureLevel(DeviceBuffer Features, int Height, int Width, float Scale);
