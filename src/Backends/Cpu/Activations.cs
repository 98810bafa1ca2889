using System.Numerics.Tensors;

namespace Detserve.Backends.Cpu;

/// <summary>
/// Activations the heads need, matching PyTorch's CPU kernels: sigmoid = 1 / (1 + exp(−x)) (TensorPrimitives does the
/// same), softmax over the last dimension as _vec_softmax_lastdim: subtract the row max, exp, sum, multiply by 1 / sum.
/// </summary>
public static class Activations
{
    /// <summary>output[i] = 1 / (1 + exp(−input[i])). Output may alias input.</summary>
    public static void Sigmoid(ReadOnlySpan<float> input, Span<float> output)
    {
        ShapeException.ThrowIfLengthBelow("Activations", nameof(output), input.Length, output.Length);
        TensorPrimitives.Sigmoid(input, output[..input.Length]);
    }

    /// <summary>Row-wise softmax of input[rows, cols] into output[rows, cols]. Output may alias input.</summary>
    public static void SoftmaxRows(ReadOnlySpan<float> input, int rows, int cols, Span<float> output)
    {
        ShapeException.ThrowIfNegative("Activations", nameof(rows), rows);
        ShapeException.ThrowIfNotPositive("Activations", nameof(cols), cols);
        ShapeException.ThrowIfLengthNot("Activations", nameof(input), (long)rows * cols, input.Length);
        ShapeException.ThrowIfLengthNot("Activations", nameof(output), (long)rows * cols, output.Length);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * cols, cols);
            Span<float> y = output.Slice(r * cols, cols);
            float max = TensorPrimitives.Max(x);
            TensorPrimitives.Subtract(x, max, y);
            TensorPrimitives.Exp(y, y);
            float sum = TensorPrimitives.Sum(y);
            TensorPrimitives.Multiply(y, 1f / sum, y);
        }
    }
}
