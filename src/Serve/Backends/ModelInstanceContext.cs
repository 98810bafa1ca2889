using Detserve.Serve.Protocol;

namespace Detserve.Serve.Backends;

/// <summary>
/// Where and what an instance loads: the completed config, the version folder, and its place in the
/// instance group (kind CPU or GPU, device id; -1 for CPU).
/// </summary>
public sealed record ModelInstanceContext(
    ModelConfig Config,
    string ModelName,
    long Version,
    string VersionDirectory,
    string InstanceName,
    ModelInstanceGroup.Types.Kind Kind,
    int DeviceId);
