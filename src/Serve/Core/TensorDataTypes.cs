using Detserve.Serve.Protocol;

namespace Detserve.Serve.Core;

/// <summary>Conversions between wire names, model-config enums and element sizes of <see cref="TensorDataType"/>.</summary>
public static class TensorDataTypes
{
    /// <summary>Parses a KServe v2 datatype string; unknown names are the client's error.</summary>
    public static TensorDataType Parse(string wireName, string tensorName) => wireName switch
    {
        "BOOL" => TensorDataType.Bool,
        "UINT8" => TensorDataType.UInt8,
        "UINT16" => TensorDataType.UInt16,
        "UINT32" => TensorDataType.UInt32,
        "UINT64" => TensorDataType.UInt64,
        "INT8" => TensorDataType.Int8,
        "INT16" => TensorDataType.Int16,
        "INT32" => TensorDataType.Int32,
        "INT64" => TensorDataType.Int64,
        "FP16" => TensorDataType.Fp16,
        "FP32" => TensorDataType.Fp32,
        "FP64" => TensorDataType.Fp64,
        "BYTES" => TensorDataType.Bytes,
        "BF16" => TensorDataType.Bf16,
        _ => throw ServeException.InvalidArgument($"invalid datatype '{wireName}' for tensor '{tensorName}'"),
    };

    public static string ToWire(TensorDataType type) => type switch
    {
        TensorDataType.Bool => "BOOL",
        TensorDataType.UInt8 => "UINT8",
        TensorDataType.UInt16 => "UINT16",
        TensorDataType.UInt32 => "UINT32",
        TensorDataType.UInt64 => "UINT64",
        TensorDataType.Int8 => "INT8",
        TensorDataType.Int16 => "INT16",
        TensorDataType.Int32 => "INT32",
        TensorDataType.Int64 => "INT64",
        TensorDataType.Fp16 => "FP16",
        TensorDataType.Fp32 => "FP32",
        TensorDataType.Fp64 => "FP64",
        TensorDataType.Bytes => "BYTES",
        TensorDataType.Bf16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Bytes per element; 0 for BYTES, whose elements are each a 4-byte little-endian length and that many bytes.</summary>
    public static int ElementSize(TensorDataType type) => type switch
    {
        TensorDataType.Bool or TensorDataType.UInt8 or TensorDataType.Int8 => 1,
        TensorDataType.UInt16 or TensorDataType.Int16 or TensorDataType.Fp16 or TensorDataType.Bf16 => 2,
        TensorDataType.UInt32 or TensorDataType.Int32 or TensorDataType.Fp32 => 4,
        TensorDataType.UInt64 or TensorDataType.Int64 or TensorDataType.Fp64 => 8,
        TensorDataType.Bytes => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The model-config enum (TYPE_STRING is the config's name for BYTES).</summary>
    public static DataType ToConfig(TensorDataType type) => type switch
    {
        TensorDataType.Bool => DataType.TypeBool,
        TensorDataType.UInt8 => DataType.TypeUint8,
        TensorDataType.UInt16 => DataType.TypeUint16,
        TensorDataType.UInt32 => DataType.TypeUint32,
        TensorDataType.UInt64 => DataType.TypeUint64,
        TensorDataType.Int8 => DataType.TypeInt8,
        TensorDataType.Int16 => DataType.TypeInt16,
        TensorDataType.Int32 => DataType.TypeInt32,
        TensorDataType.Int64 => DataType.TypeInt64,
        TensorDataType.Fp16 => DataType.TypeFp16,
        TensorDataType.Fp32 => DataType.TypeFp32,
        TensorDataType.Fp64 => DataType.TypeFp64,
        TensorDataType.Bytes => DataType.TypeString,
        TensorDataType.Bf16 => DataType.TypeBf16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static TensorDataType FromConfig(DataType type, string where) => type switch
    {
        DataType.TypeBool => TensorDataType.Bool,
        DataType.TypeUint8 => TensorDataType.UInt8,
        DataType.TypeUint16 => TensorDataType.UInt16,
        DataType.TypeUint32 => TensorDataType.UInt32,
        DataType.TypeUint64 => TensorDataType.UInt64,
        DataType.TypeInt8 => TensorDataType.Int8,
        DataType.TypeInt16 => TensorDataType.Int16,
        DataType.TypeInt32 => TensorDataType.Int32,
        DataType.TypeInt64 => TensorDataType.Int64,
        DataType.TypeFp16 => TensorDataType.Fp16,
        DataType.TypeFp32 => TensorDataType.Fp32,
        DataType.TypeFp64 => TensorDataType.Fp64,
        DataType.TypeString => TensorDataType.Bytes,
        DataType.TypeBf16 => TensorDataType.Bf16,
        _ => throw ServeException.InvalidArgument($"{where}: data_type {type} is not a tensor type"),
    };
}
