namespace Detserve.Serve.Core;

/// <summary>Tensor element types as the KServe v2 protocol names them on the wire ("FP32", "BYTES", ...).</summary>
public enum TensorDataType
{
    Bool,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    Fp16,
    Fp32,
    Fp64,
    Bytes,
    Bf16,
}
