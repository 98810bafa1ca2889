using Detserve.Vision;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Host plan of one Pillow BILINEAR resize (<see cref="PillowResize.Bilinear(ReadOnlySpan{byte}, int, int, int, int)"/>)
/// for <see cref="BilinearResizeOp"/>: the column and row coefficient tables, packed into one int32 array for a single
/// upload, and the device workspace layout (tables, then the 8-bit intermediate of the horizontal pass).
/// A pass whose dimension does not change is skipped, as Pillow's ImagingResampleInner skips it; its tables are empty.
/// </summary>
public sealed class BilinearResizeTables
{
    /// <summary>Alignment of the intermediate image inside the workspace (cudaMalloc's alignment).</summary>
    public const int IntermediateAlignment = 256;

    private BilinearResizeTables(int width, int height, int newWidth, int newHeight)
    {
        Width = width;
        Height = height;
        NewWidth = newWidth;
        NewHeight = newHeight;
        Horizontal = newWidth != width;
        Vertical = newHeight != height;
        (int KernelSize, int[] First, int[] Count, int[] Weights) columns = Horizontal
            ? PillowResize.BilinearCoefficients(width, newWidth) : (0, [], [], []);
        (int KernelSize, int[] First, int[] Count, int[] Weights) rows = Vertical
            ? PillowResize.BilinearCoefficients(height, newHeight) : (0, [], [], []);
        ColumnKernelSize = columns.KernelSize;
        RowKernelSize = rows.KernelSize;
        // Resample.c: the horizontal pass covers only source rows bounds_vert[0] .. bounds_vert[last] + count[last]
        // when a vertical pass follows; otherwise every row.
        FirstRow = Vertical ? rows.First[0] : 0;
        IntermediateRows = Vertical ? rows.First[newHeight - 1] + rows.Count[newHeight - 1] - FirstRow : height;

        ColumnFirstAt = 0;
        ColumnCountAt = columns.First.Length;
        ColumnWeightsAt = ColumnCountAt + columns.Count.Length;
        RowFirstAt = ColumnWeightsAt + columns.Weights.Length;
        RowCountAt = RowFirstAt + rows.First.Length;
        RowWeightsAt = RowCountAt + rows.Count.Length;
        var packed = new int[RowWeightsAt + rows.Weights.Length];
        columns.First.CopyTo(packed, ColumnFirstAt);
        columns.Count.CopyTo(packed, ColumnCountAt);
        columns.Weights.CopyTo(packed, ColumnWeightsAt);
        rows.First.CopyTo(packed, RowFirstAt);
        rows.Count.CopyTo(packed, RowCountAt);
        rows.Weights.CopyTo(packed, RowWeightsAt);
        Packed = packed;
        IntermediateOffsetBytes = LaunchGeometry.CeilDiv(4L * packed.Length, IntermediateAlignment) * IntermediateAlignment;
        IntermediateBytes = Horizontal && Vertical ? (long)IntermediateRows * newWidth * 3 : 0;
    }

    /// <summary>Source width.</summary>
    public int Width { get; }

    /// <summary>Source height.</summary>
    public int Height { get; }

    /// <summary>Result width.</summary>
    public int NewWidth { get; }

    /// <summary>Result height.</summary>
    public int NewHeight { get; }

    /// <summary>True when the width changes (horizontal pass runs).</summary>
    public bool Horizontal { get; }

    /// <summary>True when the height changes (vertical pass runs).</summary>
    public bool Vertical { get; }

    /// <summary>Weights reserved per output column (0 without a horizontal pass).</summary>
    public int ColumnKernelSize { get; }

    /// <summary>Weights reserved per output row (0 without a vertical pass).</summary>
    public int RowKernelSize { get; }

    /// <summary>First source row the horizontal pass reads (the vertical pass's first tap row; 0 without one).</summary>
    public int FirstRow { get; }

    /// <summary>Source rows the horizontal pass resamples.</summary>
    public int IntermediateRows { get; }

    /// <summary>Column first[NewWidth], count[NewWidth], weights[NewWidth * ColumnKernelSize], then the same for rows.</summary>
    public int[] Packed { get; }

    /// <summary>Index of the column first table in <see cref="Packed"/>.</summary>
    public int ColumnFirstAt { get; }

    /// <summary>Index of the column count table in <see cref="Packed"/>.</summary>
    public int ColumnCountAt { get; }

    /// <summary>Index of the column weights in <see cref="Packed"/>.</summary>
    public int ColumnWeightsAt { get; }

    /// <summary>Index of the row first table in <see cref="Packed"/>.</summary>
    public int RowFirstAt { get; }

    /// <summary>Index of the row count table in <see cref="Packed"/>.</summary>
    public int RowCountAt { get; }

    /// <summary>Index of the row weights in <see cref="Packed"/>.</summary>
    public int RowWeightsAt { get; }

    /// <summary>Byte offset of the intermediate image in the workspace (after the tables, aligned).</summary>
    public long IntermediateOffsetBytes { get; }

    /// <summary>Bytes of the intermediate [IntermediateRows, NewWidth, 3] (0 unless both passes run).</summary>
    public long IntermediateBytes { get; }

    /// <summary>Device workspace the resize needs: tables plus intermediate.</summary>
    public long WorkspaceBytes => IntermediateOffsetBytes + IntermediateBytes;

    /// <summary>Tables for resizing a <paramref name="width"/> x <paramref name="height"/> image to <paramref name="newWidth"/> x <paramref name="newHeight"/>.</summary>
    public static BilinearResizeTables Create(int width, int height, int newWidth, int newHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newHeight);
        return new BilinearResizeTables(width, height, newWidth, newHeight);
    }
}
