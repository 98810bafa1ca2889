using System.Diagnostics;
using System.Security.Cryptography;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime.Cuda;

namespace Detserve.Runtime.Engine;

/// <summary>
/// detserve build's work: config + weights -> graphs -> compiled graphs -> <see cref="EngineFile"/>. The precision is checked here
/// (an fp16 engine must be one the CUDA path runs), so a run never finds out late that its engine cannot be used.
/// </summary>
public static class EngineBuilder
{
    /// <summary>Builds and writes the engine.</summary>
    /// <param name="config">The resolved config (defaults + _BASE_ chain + file + overrides).</param>
    /// <param name="weights">Bound weights by Detectron2 state-dict name (<see cref="ModelSpec.Weights"/> or seeded ones).</param>
    /// <param name="source">Provenance to record.</param>
    /// <param name="precision">"fp32" or "fp16".</param>
    /// <param name="maxBatch">The largest batch runs accept.</param>
    /// <param name="output">The engine file to write.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="shapeBuckets">Shape buckets runs use by default, or null.</param>
    /// <returns>The metadata written and the notes of the graph build (weights the model does not use).</returns>
    /// <exception cref="EngineException">bad precision or batch, or the file cannot be written.</exception>
    /// <exception cref="NotSupportedException">fp16 for a model the CUDA path does not run.</exception>
    public static (EngineInfo Info, IReadOnlyList<string> Warnings) Build(CfgNode config, IReadOnlyDictionary<string, HostTensor> weights,
        EngineSource source, string precision, int maxBatch, string output, Action<string>? log = null, ShapeBuckets? shapeBuckets = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(precision);
        ArgumentNullException.ThrowIfNull(output);
        if (precision is not ("fp32" or "fp16")) throw new EngineException($"{output}: precision '{precision}' must be fp32 or fp16");
        if (maxBatch < 1) throw new EngineException($"{output}: --max-batch {maxBatch} must be at least 1");
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(config);
        if (precision == "fp16")
        {
            // fp16 runs only on CUDA: check the model is one the CUDA path runs, as a run with --precision fp16 would.
            if (arch.MetaArchitecture == MetaArchitecture.RetinaNet) CudaRetinaNetDetector.CheckSupported(arch);
            else CudaDetector.CheckSupported(arch);
        }
        var clock = Stopwatch.StartNew();
        log?.Invoke($"building graphs: {arch.MetaArchitecture}, {arch.NumClasses} classes");
        ModelGraph model = ModelGraphBuilder.Build(arch, weights, out IReadOnlyList<string> unused);
        log?.Invoke($"compiling and writing {output}");
        EngineInfo info = EngineFile.Write(output, config, model, precision, maxBatch, source, shapeBuckets);
        log?.Invoke($"wrote {info.TensorCount} tensors ({info.TensorBytes / 1e6:F1} MB) in {clock.Elapsed.TotalSeconds:F1} s");
        return (info, unused.Select(u => $"weight '{u}' is not used by the model").ToArray());
    }

    /// <summary>SHA-256 of a file as lowercase hex (the weights' fingerprint in <see cref="EngineSource"/>).</summary>
    public static string Sha256Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
