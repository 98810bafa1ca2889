using Detserve.Serve.Backends.Detectron;

namespace Detserve.Serve.Backends;

/// <summary>The backends `detserve serve` always has: Detectron2 models on the Detserve engine, and image decoding for ensembles.</summary>
public static class BuiltInBackends
{
    public static IReadOnlyList<IModelBackend> Create() => [new DetectronBackend(), new ImageDecoderBackend()];
}
