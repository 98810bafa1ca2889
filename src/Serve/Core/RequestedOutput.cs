namespace Detserve.Serve.Core;

/// <summary>An output the client asked for; <paramref name="Binary"/> is the HTTP binary tensor extension's binary_data.</summary>
public sealed record RequestedOutput(string Name, bool? Binary = null);
