namespace Detserve.Graph;

/// <summary>
/// The per-image shape of a node's output: channels are always known when the graph is built; height and width are
/// <see cref="Dynamic"/> for feature maps that follow the input image's size, and fixed for ROI-level graphs (7x7, 14x14).
/// The batch dimension is never part of the shape: it is chosen per run.
/// </summary>
public readonly record struct NodeShape(int Channels, int Height, int Width)
{
    /// <summary>Marks a spatial dimension that is only known when the graph runs.</summary>
    public const int Dynamic = -1;

    /// <summary>True when height and width are fixed.</summary>
    public bool IsStatic => Height != Dynamic && Width != Dynamic;

    /// <summary>Shape as text for messages: "[C, H, W]" with "?" for dynamic sizes.</summary>
    public override string ToString() =>
        $"[{Channels}, {(Height == Dynamic ? "?" : Height.ToString(System.Globalization.CultureInfo.InvariantCulture))}, {(Width == Dynamic ? "?" : Width.ToString(System.Globalization.CultureInfo.InvariantCulture))}]";
}
