namespace Detserve.Import.Model;

/// <summary>One ResNet stage in a <see cref="ModelSummary"/>.</summary>
/// <param name="Name">"res2".."res5".</param>
/// <param name="Blocks">Number of blocks.</param>
/// <param name="BottleneckChannels">Inner width of a bottleneck block (equal to <paramref name="OutChannels"/> for BasicBlock).</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Stride">Output stride relative to the input image.</param>
public sealed record StageSummary(string Name, int Blocks, int BottleneckChannels, int OutChannels, int Stride);
