using Detserve.Graph;

namespace Detserve.Import.Model;

/// <summary>Row (first-dimension) edits on C-contiguous tensors, for the Caffe2 weight conversions.</summary>
internal static class TensorRows
{
    /// <summary>tensor[start:] (rows from <paramref name="start"/> on).</summary>
    public static HostTensor From(HostTensor tensor, int start)
    {
        if (tensor.Shape.Count == 0) throw new ArgumentException("a scalar has no rows", nameof(tensor));
        int rows = tensor.Shape[0];
        start = Math.Min(start, rows);
        int rowBytes = RowBytes(tensor);
        int[] shape = [rows - start, .. tensor.Shape.Skip(1)];
        return new HostTensor(tensor.DType, shape, tensor.Bytes[(start * rowBytes)..].ToArray());
    }

    /// <summary>torch.cat([t[1:], t[:1]]): the first row moved to the end.</summary>
    public static HostTensor FirstRowToEnd(HostTensor tensor)
    {
        if (tensor.Shape.Count == 0 || tensor.Shape[0] == 0) return tensor;
        int rowBytes = RowBytes(tensor);
        var bytes = new byte[tensor.Bytes.Length];
        tensor.Bytes[rowBytes..].CopyTo(bytes);
        tensor.Bytes[..rowBytes].CopyTo(bytes.AsSpan(bytes.Length - rowBytes));
        return new HostTensor(tensor.DType, tensor.Shape, bytes);
    }

    private static int RowBytes(HostTensor tensor) => tensor.Shape[0] == 0 ? 0 : tensor.Bytes.Length / tensor.Shape[0];
}
