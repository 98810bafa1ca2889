using System.Globalization;
using System.Numerics;
using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// The per-level candidates of Detectron2's RetinaNet inference for a batch (Kernels/retinanet_select.cu; retinanet.py
/// inference_single_image): per (image, level) row the sigmoid of every class logit (in place), the scores &gt; SCORE_THRESH_TEST,
/// and the top min(TOPK_CANDIDATES_TEST, kept) of them, largest first, exactly equal scores lowest flattened (H, W, A, K) index
/// first. A multi-block radix select: every row is cut into tiles of <see cref="TileElements"/> so the whole GPU streams each
/// level, with the selection state and counts on the device (no host synchronisation; graph-capturable). Planned for fixed
/// level shapes and batch; owns its tables and scratch; borrows the library.
/// </summary>
public sealed class RetinaNetLevelTopKOp : IDisposable
{
    /// <summary>Scores one block of the histogram and collect passes reads.</summary>
    public const int TileElements = 8192;

    private const int StateWords = 16;
    private const int Bins = 2048;
    private const int Phases = 6;
    private const int TileThreads = 256;

    private readonly CudaKernel _hist, _choose, _collect, _sort;
    private readonly List<DeviceBuffer> _owned = [];
    private readonly DeviceBuffer _rowBase, _rowPlane, _tileRow, _tileStart, _tileLength, _state, _histogram, _selKey, _selFlat;
    private readonly int _sortThreads;

    /// <summary>Plans the stage.</summary>
    /// <param name="library">kernels (borrowed).</param>
    /// <param name="batch">images per call.</param>
    /// <param name="levelPlanes">H * W of each level, in the order the logits are concatenated per image.</param>
    /// <param name="anchorsPerCell">A (the same on every level).</param>
    /// <param name="numClasses">K (MODEL.RETINANET.NUM_CLASSES).</param>
    /// <param name="k">MODEL.RETINANET.TOPK_CANDIDATES_TEST.</param>
    /// <param name="scoreThresh">MODEL.RETINANET.SCORE_THRESH_TEST (scores must be strictly greater).</param>
    public RetinaNetLevelTopKOp(KernelLibrary library, int batch, IReadOnlyList<long> levelPlanes, int anchorsPerCell, int numClasses, int k,
        double scoreThresh)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(levelPlanes);
        const string op = "RetinaNetLevelTopK";
        DeviceShape.Positive(op, nameof(batch), batch);
        DeviceShape.Positive(op, "levels", levelPlanes.Count);
        DeviceShape.Positive(op, nameof(anchorsPerCell), anchorsPerCell);
        DeviceShape.Positive(op, nameof(numClasses), numClasses);
        if (k is < 1 or > TopKOp.MaxK)
            throw new ShapeException(op, nameof(k), $"1..{TopKOp.MaxK}", k.ToString(CultureInfo.InvariantCulture));
        if (double.IsNaN(scoreThresh))
            throw new ShapeException(op, nameof(scoreThresh), "a number", "NaN");
        Batch = batch;
        Levels = levelPlanes.Count;
        K = k;
        ScoreThresh = scoreThresh;
        AnchorsTimesClasses = checked(anchorsPerCell * numClasses);
        Rows = batch * Levels;

        long perImage = 0;
        for (int l = 0; l < Levels; l++)
        {
            DeviceShape.Positive(op, $"levelPlanes[{l}]", levelPlanes[l]);
            if (levelPlanes[l] * AnchorsTimesClasses > int.MaxValue)
                throw new ShapeException(op, $"levelPlanes[{l}]", $"H * W * A * K <= {int.MaxValue}",
                    (levelPlanes[l] * AnchorsTimesClasses).ToString(CultureInfo.InvariantCulture));
            perImage += levelPlanes[l] * AnchorsTimesClasses;
        }
        ScoresPerImage = perImage;
        RetinaNetLevelTiles plan = RetinaNetLevelTiles.Plan(batch, levelPlanes, AnchorsTimesClasses, TileElements);
        Tiles = plan.TileRow.Length;
        SortCapacity = (int)Math.Max(32, BitOperations.RoundUpToPowerOf2((uint)k));
        _sortThreads = Math.Min(1024, Math.Max(32, SortCapacity / 2));

        var options = library.BaseOptions().Define("SELECT_MAX", SortCapacity);
        _hist = library.Get("retinanet_select.cu", "retina_select_hist");
        _choose = library.Get("retinanet_select.cu", "retina_select_choose");
        _collect = library.Get("retinanet_select.cu", "retina_select_collect");
        _sort = library.Get("retinanet_select.cu", "retina_select_sort", options);
        CudaDevice device = library.Device;
        try
        {
            _rowBase = Own(device.Allocate(Rows * 8L));
            _rowPlane = Own(device.Allocate(Rows * 4L));
            _tileRow = Own(device.Allocate(Tiles * 4L));
            _tileStart = Own(device.Allocate(Tiles * 4L));
            _tileLength = Own(device.Allocate(Tiles * 4L));
            _state = Own(device.Allocate(Rows * StateWords * 4L));
            _histogram = Own(device.Allocate(Rows * Bins * 4L));
            _selKey = Own(device.Allocate((long)Rows * k * 4));
            _selFlat = Own(device.Allocate((long)Rows * k * 4));
            using CudaStream stream = device.CreateStream();
            _rowBase.Upload<long>(plan.RowBase, stream);
            _rowPlane.Upload<int>(plan.RowPlane, stream);
            _tileRow.Upload<int>(plan.TileRow, stream);
            _tileStart.Upload<int>(plan.TileStart, stream);
            _tileLength.Upload<int>(plan.TileLength, stream);
            stream.Synchronize();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private DeviceBuffer Own(DeviceBuffer buffer)
    {
        _owned.Add(buffer);
        return buffer;
    }

    public int Batch { get; }

    public int Levels { get; }

    /// <summary>TOPK_CANDIDATES_TEST: output slots per row.</summary>
    public int K { get; }

    public double ScoreThresh { get; }

    /// <summary>A * K: the flattened index of NCHW element ak * H * W + yx is yx * A * K + ak.</summary>
    public int AnchorsTimesClasses { get; }

    /// <summary>Rows = batch x levels, image-major.</summary>
    public int Rows { get; }

    /// <summary>Scores of one image over all levels (sum of H * W * A * K).</summary>
    public long ScoresPerImage { get; }

    /// <summary>Blocks of the histogram and collect passes.</summary>
    public int Tiles { get; }

    /// <summary>The compiled SELECT_MAX (a power of two >= k).</summary>
    public int SortCapacity { get; }

    /// <summary>Device bytes of the tables and scratch.</summary>
    public long ScratchBytes => _owned.Sum(b => b.SizeBytes);

    /// <summary>
    /// Queues the stage. <paramref name="logits"/>: [batch, ScoresPerImage] float32, per image the levels' NCHW [A * K, H * W] logits
    /// concatenated; replaced by their sigmoid. Output for row r = n * Levels + l at r * K: <paramref name="outIndex"/> (int32, the
    /// NCHW index within the level), <paramref name="outScore"/> (float32), and <paramref name="outCount"/>[r] = min(K, kept).
    /// </summary>
    public void Enqueue(DeviceBuffer logits, DeviceBuffer outIndex, DeviceBuffer outScore, DeviceBuffer outCount, CudaStream stream)
    {
        const string op = "RetinaNetLevelTopK";
        DeviceShape.Holds(op, nameof(logits), logits, Batch * ScoresPerImage, 4);
        DeviceShape.Holds(op, nameof(outIndex), outIndex, (long)Rows * K, 4);
        DeviceShape.Holds(op, nameof(outScore), outScore, (long)Rows * K, 4);
        DeviceShape.Holds(op, nameof(outCount), outCount, Rows, 4);
        ArgumentNullException.ThrowIfNull(stream);

        _state.Fill(0, stream);
        _histogram.Fill(0, stream);
        LaunchGeometry tiles = LaunchGeometry.OneBlockPer(Tiles, TileThreads), rows = LaunchGeometry.OneBlockPer(Rows, 32);
        for (int phase = 0; phase < Phases; phase++)
        {
            var hist = new KernelArguments().Add(logits).Add(_rowBase).Add(_rowPlane).Add(_tileRow).Add(_tileStart).Add(_tileLength)
                .Add(AnchorsTimesClasses).Add(phase).Add(ScoreThresh).Add(_state).Add(_histogram);
            _hist.Launch(tiles, stream, hist);
            _choose.Launch(rows, stream, new KernelArguments().Add(K).Add(phase).Add(_state).Add(_histogram));
        }
        var collect = new KernelArguments().Add(logits).Add(_rowBase).Add(_rowPlane).Add(_tileRow).Add(_tileStart).Add(_tileLength)
            .Add(AnchorsTimesClasses).Add(ScoreThresh).Add(K).Add(_state).Add(_selKey).Add(_selFlat);
        _collect.Launch(tiles, stream, collect);
        var sort = new KernelArguments().Add(_rowPlane).Add(AnchorsTimesClasses).Add(K).Add(_state).Add(_selKey).Add(_selFlat)
            .Add(outIndex).Add(outScore).Add(outCount);
        _sort.Launch(LaunchGeometry.OneBlockPer(Rows, _sortThreads), stream, sort);
    }

    /// <summary>Frees the tables and scratch, in reverse order of creation.</summary>
    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
