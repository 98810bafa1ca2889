using System.Globalization;
using System.Text;
using Detserve.Serve.Protocol;
using Detserve.Serve.TextFormat;

namespace Detserve.Serve.Tests;

public sealed class TextFormatParserTests
{
    private const string Full = """
        # A Triton config with every construct the text format allows.
        name: "mask_rcnn"
        backend: 'detserve'
        max_batch_size: 8
        version_policy: { specific { versions: [1, 3] } }
        input [
          {
            name: "input_tensor"
            data_type: TYPE_UINT8
            format: FORMAT_NHWC
            dims: [ -1, -1, 3 ]
            allow_ragged_batch: true
          }
        ]
        output < name: "num_detections" data_type: TYPE_INT32 dims: 1 >
        output { name: "detection_boxes", data_type: TYPE_FP32, dims: [ -1, 4 ]; }
        dynamic_batching {
          preferred_batch_size: 4
          preferred_batch_size: 8
          max_queue_delay_microseconds: 0x64
          default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 1000 max_queue_size: 16 }
          priority_queue_policy { key: 1 value { max_queue_size: 3 } }
        }
        instance_group [ { count: 2 kind: KIND_GPU gpus: [ 0, 1 ] }, { kind: KIND_CPU } ]
        parameters { key: "precision" value: { string_value: "fp16" } }
        parameters [ { key: "SCORE_THRESH_TEST" value { string_value: "0.5" } } ]
        model_warmup [ { name: "zeros" batch_size: 1 count: 2 inputs { key: "input_tensor" value: { data_type: TYPE_UINT8 dims: [ 32, 32, 3 ] zero_data: true } } } ]
        optimization { cuda { graphs: true } gather_kernel_buffer_threshold: 017 }
        model_metrics { metric_control [ { histogram_options { buckets: [ 1.5, 2e3, -inf, .5f ] } } ] }
        cc_model_filenames { key: "a\tb" value: "\x41\102\u00e9" "tail" }
        """;

    [Fact]
    public void Parse_FullConfig_ReadsEveryConstruct()
    {
        var config = TextFormatParser.Parse<ModelConfig>(Full, "config.pbtxt");
        Assert.Equal("mask_rcnn", config.Name);
        Assert.Equal("detserve", config.Backend);
        Assert.Equal(8, config.MaxBatchSize);
        Assert.Equal([1L, 3L], config.VersionPolicy.Specific.Versions);
        var input = Assert.Single(config.Input);
        Assert.Equal(DataType.TypeUint8, input.DataType);
        Assert.Equal(ModelInput.Types.Format.Nhwc, input.Format);
        Assert.Equal([-1L, -1L, 3L], input.Dims);
        Assert.True(input.AllowRaggedBatch);
        Assert.Equal(["num_detections", "detection_boxes"], config.Output.Select(o => o.Name));
        Assert.Equal([1L], config.Output[0].Dims);
        Assert.Equal([4, 8], config.DynamicBatching.PreferredBatchSize);
        Assert.Equal(100UL, config.DynamicBatching.MaxQueueDelayMicroseconds);
        Assert.Equal(ModelQueuePolicy.Types.TimeoutAction.Delay, config.DynamicBatching.DefaultQueuePolicy.TimeoutAction);
        Assert.Equal(16u, config.DynamicBatching.DefaultQueuePolicy.MaxQueueSize);
        Assert.Equal(3u, config.DynamicBatching.PriorityQueuePolicy[1].MaxQueueSize);
        Assert.Equal(2, config.InstanceGroup.Count);
        Assert.Equal([0, 1], config.InstanceGroup[0].Gpus);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup[1].Kind);
        Assert.Equal("fp16", config.Parameters["precision"].StringValue);
        Assert.Equal("0.5", config.Parameters["SCORE_THRESH_TEST"].StringValue);
        Assert.Equal(2u, config.ModelWarmup[0].Count);
        Assert.True(config.ModelWarmup[0].Inputs["input_tensor"].ZeroData);
        Assert.True(config.Optimization.Cuda.Graphs);
        Assert.Equal(15u, config.Optimization.GatherKernelBufferThreshold);
        Assert.Equal([1.5, 2000, double.NegativeInfinity, 0.5], config.ModelMetrics.MetricControl[0].HistogramOptions.Buckets);
        Assert.Equal("ABétail", config.CcModelFilenames["a\tb"]);
    }

    public static TheoryData<string, int, int, string> Errors => new()
    {
        { "name: \"a\"\nnope: 1", 2, 1, "no field named \"nope\"" },
        { "name: \"a\"\nname: \"b\"", 2, 1, "specified multiple times" },
        { "max_batch_size: 1.5", 1, 17, "invalid value for integer field" },
        { "max_batch_size: 4294967296", 1, 17, "out of range" },
        { "input { data_type: TYPE_NOPE }", 1, 20, "unknown enumeration value" },
        { "input { name: \"x\"", 1, 18, "unexpected end of input" },
        { "name: \"abc", 1, 7, "not terminated" },
        { "name \"a\"", 1, 6, "expected ':'" },
        { "dynamic_batching {} sequence_batching {}", 1, 21, "another member of oneof" },
        { "name: \"\\q\"", 1, 9, "invalid escape" },
        { "name: \"\\xff\"", 1, 7, "not valid UTF-8" },
        { "input [ { name: \"a\" } ", 1, 23, "expected ']'" },
        { "max_batch_size: @", 1, 17, "unexpected character" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Parse_Invalid_ThrowsWithLineAndColumn(string text, int line, int column, string message)
    {
        var error = Assert.Throws<TextFormatException>(() => TextFormatParser.Parse<ModelConfig>(text, "m/config.pbtxt"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.StartsWith($"m/config.pbtxt:{line}:{column}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeepNesting_IsRejectedAtTheDepthLimit()
    {
        // ModelConfig is not recursive, so nest through a map value's message repeatedly is impossible: use a
        // depth limit of 2 instead and a config three messages deep.
        var text = "optimization { cuda { graph_spec { batch_size: 1 } } }";
        Assert.NotNull(TextFormatParser.Parse<ModelConfig>(text, "c"));
        var error = Assert.Throws<TextFormatException>(() => TextFormatParser.Parse<ModelConfig>(text, "c", new TextFormatLimits(MaxDepth: 2)));
        Assert.Contains("nest deeper than 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OversizedInput_IsRejectedBeforeParsing()
    {
        var text = new string(' ', 2000) + "name: \"x\"";
        var error = Assert.Throws<TextFormatException>(() => TextFormatParser.Parse<ModelConfig>(text, "c", new TextFormatLimits(MaxInputChars: 1000)));
        Assert.Contains("above the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuzz_TruncationsAndMutations_OnlyTextFormatExceptionEscapes()
    {
        for (var length = 0; length <= Full.Length; length++)
        {
            ParseOrReject(Full[..length]);
        }

        var random = new Random(20261122);
        const string alphabet = "{}<>[]:;,\"'\\#-.0123456789abcxyz_ \n\tTYPE_FP32e+";
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var chars = Full.ToCharArray();
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits; e++)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            ParseOrReject(new string(chars));
        }

        for (var iteration = 0; iteration < 500; iteration++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            ParseOrReject(Encoding.Latin1.GetString(bytes));
        }
    }

    [Fact]
    public void Property_WrittenConfigsReadBackEqual()
    {
        var random = new Random(7);
        for (var iteration = 0; iteration < 300; iteration++)
        {
            var expected = RandomConfig(random);
            var text = TestTextFormatWriter.Write(expected);
            var actual = TextFormatParser.Parse<ModelConfig>(text, "generated");
            Assert.True(expected.Equals(actual), $"round trip differs for:\n{text}");
        }
    }

    private static ModelConfig RandomConfig(Random random)
    {
        var config = new ModelConfig
        {
            Name = RandomString(random),
            Backend = RandomString(random),
            MaxBatchSize = random.Next(int.MinValue, int.MaxValue),
        };
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            var input = new ModelInput { Name = RandomString(random), DataType = (DataType)random.Next(0, 15), AllowRaggedBatch = random.Next(2) == 1 };
            input.Dims.AddRange(Enumerable.Range(0, random.Next(0, 5)).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)));
            config.Input.Add(input);
        }

        if (random.Next(2) == 1)
        {
            config.DynamicBatching = new ModelDynamicBatching { MaxQueueDelayMicroseconds = (ulong)random.NextInt64(0, long.MaxValue) };
            config.DynamicBatching.PreferredBatchSize.AddRange(Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next()));
        }

        for (var i = random.Next(0, 3); i > 0; i--)
        {
            config.Parameters[RandomString(random)] = new ModelParameter { StringValue = RandomString(random) };
        }

        if (random.Next(2) == 1)
        {
            config.ModelMetrics = new ModelMetrics();
            var control = new ModelMetrics.Types.MetricControl { HistogramOptions = new() };
            control.HistogramOptions.Buckets.AddRange(Enumerable.Range(0, 3).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30))));
            config.ModelMetrics.MetricControl.Add(control);
        }

        return config;
    }

    private static string RandomString(Random random)
    {
        const string pool = "abcXYZ019_-. \"'\\\n\té漢😀";
        var builder = new StringBuilder();
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            builder.Append(pool[random.Next(pool.Length)]);
        }

        var text = builder.ToString();
        // Keep surrogate pairs whole: drop a lone half left by the random pick.
        return string.Concat(text.Where((c, i) => !char.IsSurrogate(c) || (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))));
    }

    private static void ParseOrReject(string text)
    {
        try
        {
            TextFormatParser.Parse<ModelConfig>(text, "fuzz");
        }
        catch (TextFormatException)
        {
            // The documented failure: anything else escaping fails the test.
        }
    }

}
