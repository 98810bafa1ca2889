namespace Detserve.Graph;

/// <summary>Element types a tensor can hold. The names follow NumPy/PyTorch, the sizes are in bytes.</summary>
public enum DType
{
    Float32,
    Float16,
    Float64,
    Int64,
    Int32,
    UInt8,
    Bool,
}
