namespace Detserve.Serve.Hosting;

/// <summary>Triton's --model-control-mode: load everything once, load on request, or follow the repository on disk.</summary>
public enum ModelControlMode
{
    None,
    Explicit,
    Poll,
}
