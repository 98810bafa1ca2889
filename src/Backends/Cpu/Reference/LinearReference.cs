namespace Detserve.Backends.Cpu.Reference;

/// <summary>The definition of <see cref="Linear"/>: F.linear(x, W, b) = x·Wᵀ + b, accumulated in double, then ReLU.</summary>
public static class LinearReference
{
    /// <summary>output[r, o] = relu?(bias[o] + Σ_i input[r, i]·weight[o, i]).</summary>
    public static void Forward(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, bool relu,
        ReadOnlySpan<float> input, int rows, Span<float> output)
    {
        for (int r = 0; r < rows; r++)
        for (int o = 0; o < outFeatures; o++)
        {
            double sum = 0;
            for (int i = 0; i < inFeatures; i++) sum += (double)input[(r * inFeatures) + i] * weight[(o * inFeatures) + i];
            float v = (float)sum;
            if (!bias.IsEmpty) v += bias[o];
            if (relu && v < 0) v = 0;
            output[(r * outFeatures) + o] = v;
        }
    }
}
