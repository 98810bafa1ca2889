using Detserve.Serve.Backends;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Tests.Support;

/// <summary>
/// A deterministic test-only backend ("test_arith"): OUTPUT0 = INPUT0 + INPUT1 and OUTPUT1 = INPUT0 - INPUT1 (FP32),
/// computed per request so answers are checkable. Config parameters: "execute_delay_ms" sleeps once per execution
/// (cancellable); a request whose INPUT0[0] is -999 fails alone (a per-request backend error).
/// </summary>
public sealed class ArithmeticBackend : IModelBackend
{
    public ArithmeticBackend(BatchLog log)
    {
        Log = log;
    }

    public BatchLog Log { get; }

    public string Name => "test_arith";

    public bool Recognizes(string versionDirectory) => File.Exists(Path.Combine(versionDirectory, "arith.txt"));

    public void AutoCompleteConfig(ModelConfig config, string versionDirectory)
    {
        if (config.Input.Count == 0)
        {
            foreach (var name in new[] { "INPUT0", "INPUT1" })
            {
                config.Input.Add(new ModelInput { Name = name, DataType = DataType.TypeFp32, Dims = { 4 } });
            }
        }

        if (config.Output.Count == 0)
        {
            foreach (var name in new[] { "OUTPUT0", "OUTPUT1" })
            {
                config.Output.Add(new ModelOutput { Name = name, DataType = DataType.TypeFp32, Dims = { 4 } });
            }
        }
    }

    public IModelInstance CreateInstance(ModelInstanceContext context)
    {
        var delayMs = context.Config.Parameters.TryGetValue("execute_delay_ms", out var p) ? int.Parse(p.StringValue, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new ArithmeticInstance(delayMs, Log);
    }
}
