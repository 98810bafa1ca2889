namespace Detserve.Backends.Cpu;

/// <summary>The image-pixel rectangle [X0, X1) x [Y0, Y1) that a pasted mask can touch (empty when X1 ≤ X0 or Y1 ≤ Y0).</summary>
public readonly record struct MaskRegion(int X0, int Y0, int X1, int Y1)
{
    /// <summary>Columns in the region (0 when empty).</summary>
    public int Width => Math.Max(0, X1 - X0);

    /// <summary>Rows in the region (0 when empty).</summary>
    public int Height => Math.Max(0, Y1 - Y0);
}
