namespace Detserve.Backends.Cpu.Sorting;

/// <summary>A value with the index it came from: the std::pair&lt;scalar_t, int64_t&gt; that PyTorch's sort and topk move around.</summary>
internal readonly record struct ScoredIndex(float Value, int Index);
