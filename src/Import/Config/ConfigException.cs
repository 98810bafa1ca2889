namespace Detserve.Import.Config;

/// <summary>
/// A Detectron2 config could not be read, merged or queried. The message names the file (and line where known)
/// and the dotted config key at fault, e.g. <c>Non-existent config key: MODEL.FOO (set in a.yaml line 3)</c>.
/// </summary>
public class ConfigException : ImportException
{
    public ConfigException() { }

    public ConfigException(string message) : base(message) { }

    public ConfigException(string message, Exception inner) : base(message, inner) { }
}
