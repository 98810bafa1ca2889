using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Detserve.Serve.Tests.Support;

/// <summary>Builders of KServe v2 HTTP inference bodies for the tests.</summary>
public static class InferJson
{
    public static JsonObject Request(float[] input0, float[] input1, long batch = 1, string? id = null, bool binaryOutput = false)
    {
        var shape = new JsonArray(batch, input0.Length / batch);
        var request = new JsonObject
        {
            ["inputs"] = new JsonArray(
                new JsonObject { ["name"] = "INPUT0", ["datatype"] = "FP32", ["shape"] = shape.DeepClone(), ["data"] = Array(input0) },
                new JsonObject { ["name"] = "INPUT1", ["datatype"] = "FP32", ["shape"] = shape.DeepClone(), ["data"] = Array(input1) }),
        };
        if (id is not null)
        {
            request["id"] = id;
        }

        if (binaryOutput)
        {
            request["parameters"] = new JsonObject { ["binary_data_output"] = true };
        }

        return request;
    }

    public static JsonArray Array(float[] values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static StringContent Content(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>A binary-extension body: JSON header then raw bytes; sets Inference-Header-Content-Length.</summary>
    public static ByteArrayContent Binary(JsonNode header, params byte[][] chunks)
    {
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var body = json.Concat(chunks.SelectMany(c => c)).ToArray();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return content;
    }

    public static float[] Floats(JsonNode? data) => data!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
}
