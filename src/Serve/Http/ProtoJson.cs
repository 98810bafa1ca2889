using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Detserve.Serve.Http;

/// <summary>
/// Protobuf messages as the JSON Triton's HTTP endpoints return: proto field names (snake_case), default
/// values included, and 64-bit integers as JSON numbers rather than proto3-JSON strings (Triton's
/// model_config_utils ModelConfigToJson rewrites them the same way, so clients read "dims": [3, -1]).
/// </summary>
public static class ProtoJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));

    public static JsonNode ToNode(IMessage message)
    {
        var node = JsonNode.Parse(Formatter.Format(message))!;
        FixInt64(node, message.Descriptor);
        return node;
    }

    public static string Format(IMessage message) => ToNode(message).ToJsonString();

    private static void FixInt64(JsonNode? node, MessageDescriptor descriptor)
    {
        if (node is not JsonObject obj)
        {
            return;
        }

        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (!obj.TryGetPropertyValue(field.Name, out var value) || value is null)
            {
                continue;
            }

            if (field.IsMap)
            {
                var valueField = field.MessageType.FindFieldByNumber(2);
                if (value is JsonObject map)
                {
                    foreach (var key in map.Select(p => p.Key).ToArray())
                    {
                        if (FixValue(map[key], valueField) is { } replaced)
                        {
                            map[key] = replaced;
                        }
                    }
                }

                continue;
            }

            if (field.IsRepeated && value is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    if (FixValue(array[i], field) is { } replaced)
                    {
                        array[i] = replaced;
                    }
                }

                continue;
            }

            if (FixValue(value, field) is { } fixedValue)
            {
                obj[field.Name] = fixedValue;
            }
        }
    }

    /// <summary>A replacement node for a 64-bit integer written as a string; null when the node stays as it is.</summary>
    private static JsonNode? FixValue(JsonNode? value, FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.Message:
                FixInt64(value, field.MessageType);
                return null;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return value is JsonValue v && v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), out var l) ? JsonValue.Create(l) : null;
            case FieldType.UInt64 or FieldType.Fixed64:
                return value is JsonValue u && u.GetValueKind() == JsonValueKind.String && ulong.TryParse(u.GetValue<string>(), out var ul) ? JsonValue.Create(ul) : null;
            default:
                return null;
        }
    }
}
