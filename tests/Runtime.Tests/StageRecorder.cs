namespace Detserve.Runtime.Tests;

/// <summary>Keeps a copy of every stage tensor a predictor run hands out, by (stage, image).</summary>
internal sealed class StageRecorder : IStageObserver
{
    private readonly Dictionary<(string, int), (int[] Shape, float[] Values)> _stages = [];

    public void Observe(string stage, int image, IReadOnlyList<int> shape, ReadOnlySpan<float> values) =>
        _stages[(stage, image)] = (shape.ToArray(), values.ToArray());

    public (int[] Shape, float[] Values) Get(string stage, int image = 0) =>
        _stages.TryGetValue((stage, image), out var s) ? s : throw new KeyNotFoundException($"stage '{stage}' of image {image} was not observed");
}
