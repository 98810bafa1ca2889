using Detserve.Serve.Protocol;

namespace Detserve.Serve.Backends;

/// <summary>
/// A kind of model the server can run (config.pbtxt's <c>backend:</c> name). A backend completes a partial
/// config from what it finds in the model folder (Triton's auto-complete) and creates instances; the
/// scheduler owns the instances and calls each from one dedicated thread.
/// </summary>
public interface IModelBackend
{
    /// <summary>The config's <c>backend</c> value, e.g. "detserve".</summary>
    string Name { get; }

    /// <summary>True when <paramref name="versionDirectory"/> holds files this backend can load (used when config.pbtxt names no backend).</summary>
    bool Recognizes(string versionDirectory);

    /// <summary>
    /// Fills in what the config leaves out (inputs, outputs, max_batch_size, ...) from the model itself and
    /// rejects what the backend cannot serve. Mutates <paramref name="config"/>, a private copy.
    /// </summary>
    void AutoCompleteConfig(ModelConfig config, string versionDirectory);

    /// <summary>Loads one instance. Errors are <see cref="Core.ServeException"/>s naming the file at fault.</summary>
    IModelInstance CreateInstance(ModelInstanceContext context);
}
