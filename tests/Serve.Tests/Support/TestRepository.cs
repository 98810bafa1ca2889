namespace Detserve.Serve.Tests.Support;

/// <summary>A temporary Triton-layout model repository with the test models; deleted on dispose.</summary>
public sealed class TestRepository : IDisposable
{
    public const string Simple = """
        name: "simple"
        backend: "test_arith"
        max_batch_size: 8
        input [
          { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] },
          { name: "INPUT1" data_type: TYPE_FP32 dims: [ 4 ] }
        ]
        output [
          { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] },
          { name: "OUTPUT1" data_type: TYPE_FP32 dims: [ 4 ] }
        ]
        dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 2000 }
        instance_group [ { count: 2 kind: KIND_CPU } ]
        """;

    /// <summary>No config.pbtxt fields beyond the backend: inputs and outputs come from auto-complete.</summary>
    public const string NoBatch = """
        backend: "test_arith"
        """;

    public const string Slow = """
        backend: "test_arith"
        max_batch_size: 1
        parameters { key: "execute_delay_ms" value: { string_value: "300" } }
        dynamic_batching { default_queue_policy { max_queue_size: 2 } }
        instance_group [ { count: 1 kind: KIND_CPU } ]
        """;

    public const string Ensemble = """
        platform: "ensemble"
        max_batch_size: 8
        input [
          { name: "IN0" data_type: TYPE_FP32 dims: [ 4 ] },
          { name: "IN1" data_type: TYPE_FP32 dims: [ 4 ] }
        ]
        output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]
        ensemble_scheduling {
          step [
            {
              model_name: "simple"
              model_version: -1
              input_map { key: "INPUT0" value: "IN0" }
              input_map { key: "INPUT1" value: "IN1" }
              output_map { key: "OUTPUT0" value: "sum" }
            },
            {
              model_name: "simple"
              model_version: -1
              input_map { key: "INPUT0" value: "sum" }
              input_map { key: "INPUT1" value: "IN1" }
              output_map { key: "OUTPUT0" value: "OUT" }
            }
          ]
        }
        """;

    public TestRepository()
    {
        Root = Path.Combine(Path.GetTempPath(), "detserve-serve-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The standard set: simple, nobatch, slow, ensemble_add.</summary>
    public static TestRepository Standard()
    {
        var repository = new TestRepository();
        repository.AddModel("simple", Simple, 1);
        repository.AddModel("nobatch", NoBatch, 1);
        repository.AddModel("slow", Slow, 1);
        repository.AddModel("ensemble_add", Ensemble);
        return repository;
    }

    public void AddModel(string name, string? config, params long[] versions)
    {
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(dir, "config.pbtxt"), config);
        }

        foreach (var version in versions)
        {
            AddVersion(name, version);
        }

        if (versions.Length == 0 && config is not null && config.Contains("ensemble", StringComparison.Ordinal))
        {
            Directory.CreateDirectory(Path.Combine(dir, "1"));
        }
    }

    public void AddVersion(string name, long version)
    {
        var dir = Path.Combine(Root, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "arith.txt"), "test model");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless; the test result does not depend on it.
        }
    }
}
