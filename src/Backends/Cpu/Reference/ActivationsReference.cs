namespace Detserve.Backends.Cpu.Reference;

/// <summary>The definition of <see cref="Activations"/>: sigmoid and max-subtracted softmax, computed in double.</summary>
public static class ActivationsReference
{
    /// <summary>1 / (1 + exp(−x)).</summary>
    public static float Sigmoid(float x) => (float)(1.0 / (1.0 + Math.Exp(-(double)x)));

    /// <summary>Softmax of one row: exp(x − max) / Σ exp(x − max).</summary>
    public static float[] Softmax(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity;
        foreach (float v in row) max = Math.Max(max, v);
        double[] e = new double[row.Length];
        double sum = 0;
        for (int i = 0; i < row.Length; i++) sum += e[i] = Math.Exp(row[i] - max);
        return e.Select(v => (float)(v / sum)).ToArray();
    }
}
