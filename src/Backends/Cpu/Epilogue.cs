using System.Numerics.Tensors;

namespace Detserve.Backends.Cpu;

/// <summary>
/// The fused tail of conv and linear layers on one output row segment, in PyTorch's order: + bias (part of the
/// conv/addmm), + residual (ResNet's `out += shortcut`), then ReLU (`F.relu_`).
/// </summary>
internal static class Epilogue
{
    internal static void Apply(Span<float> values, float bias, bool hasBias, ReadOnlySpan<float> residual, bool relu)
    {
        if (hasBias) TensorPrimitives.Add(values, bias, values);
        if (!residual.IsEmpty) TensorPrimitives.Add(values, residual, values);
        if (relu) TensorPrimitives.Max(values, 0f, values);
    }

    /// <summary>Adds a per-column bias vector to one row and applies ReLU (the addmm + relu of nn.Linear heads).</summary>
    internal static void ApplyRow(Span<float> row, ReadOnlySpan<float> bias, bool relu)
    {
        if (!bias.IsEmpty) TensorPrimitives.Add(row, bias, row);
        if (relu) TensorPrimitives.Max(row, 0f, row);
    }
}
