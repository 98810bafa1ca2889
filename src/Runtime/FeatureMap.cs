namespace Detserve.Runtime;

/// <summary>A dense NCHW float32 tensor flowing between graph nodes; <see cref="Data"/> holds exactly N*C*H*W values.</summary>
public sealed record FeatureMap(float[] Data, int Batch, int Channels, int Height, int Width)
{
    /// <summary>Values of one image.</summary>
    public int ImageStride => Channels * Height * Width;

    /// <summary>Image <paramref name="n"/>'s C x H x W values.</summary>
    public ReadOnlySpan<float> Image(int n) => Data.AsSpan(n * ImageStride, ImageStride);

    /// <summary>Shape as "[N, C, H, W]" for messages.</summary>
    public override string ToString() => $"[{Batch}, {Channels}, {Height}, {Width}]";
}
