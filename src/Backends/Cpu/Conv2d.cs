using System.Globalization;
using Detserve.Backends.Cpu.Gemm;

namespace Detserve.Backends.Cpu;

/// <summary>
/// A 2-D convolution on NCHW float32 tensors (torch.nn.functional.conv2d semantics, zero padding), with the bias,
/// an optional residual add and ReLU fused into the epilogue. Lowered to GEMM: per image, group and tile of output
/// positions, weight [Cout/g, Cin/g·kh·kw] · im2col [Cin/g·kh·kw, tile]; a 1 x 1 stride-1 unpadded convolution
/// multiplies the input plane directly. Tiles run in parallel on the context's threads. 3x3 stride-1 ungrouped layers with
/// at least 64 input and output channels go through Winograd F(2x2, 3x3) instead (<see cref="WinogradConv3x3"/>).
/// </summary>
public sealed class Conv2d
{
    private readonly float[] _weight;
    private readonly float[] _bias;
    private readonly WinogradConv3x3? _winograd;
    private GemmPackedA? _packedWeight;

    /// <summary>
    /// Packs the weights [Cout, Cin/groups, kh, kw] as the GEMM's A operand in tap-major order [Cout, kh·kw, Cin/groups]
    /// (matching <see cref="Im2Col"/>'s row order) and copies the bias [Cout] (or empty).
    /// </summary>
    public Conv2d(Conv2dSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        : this(spec, weight, bias, WinogradMinChannels)
    {
    }

    /// <summary>As the public constructor, with the Winograd path taken from <paramref name="winogradMinChannels"/> channels in and out (tests).</summary>
    internal Conv2d(Conv2dSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int winogradMinChannels)
        : this(spec, weight, bias, winogradMinChannels, winogradAvx512Transforms: true)
    {
    }

    /// <summary>As above; <paramref name="winogradAvx512Transforms"/> false keeps Winograd's scalar tile transforms (tests cover both).</summary>
    internal Conv2d(Conv2dSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int winogradMinChannels, bool winogradAvx512Transforms)
    {
        spec.Validate();
        ShapeException.ThrowIfLengthNot("Conv2d", nameof(weight), spec.WeightLength, weight.Length);
        if (!bias.IsEmpty) ShapeException.ThrowIfLengthNot("Conv2d", nameof(bias), spec.OutChannels, bias.Length);
        Spec = spec;
        int cin = spec.InChannels / spec.Groups, taps = spec.KernelH * spec.KernelW;
        _weight = new float[weight.Length];
        for (int co = 0; co < spec.OutChannels; co++)
            for (int ci = 0; ci < cin; ci++)
                for (int t = 0; t < taps; t++)
                    _weight[(((co * taps) + t) * cin) + ci] = weight[(((co * cin) + ci) * taps) + t];
        _bias = bias.ToArray();
        if (WinogradConv3x3.Supports(spec) && spec.InChannels >= winogradMinChannels && spec.OutChannels >= winogradMinChannels)
            _winograd = new WinogradConv3x3(spec, weight, winogradAvx512Transforms);
    }

    /// <summary>
    /// Fewest input and output channels for which a 3x3 stride-1 layer takes the Winograd path. With OpenBLAS and scalar
    /// tile transforms the 64- and 128-channel ResNet layers ran slower through Winograd (so it was 256); with the
    /// AVX-512 transforms and the pre-packed managed GEMM they run faster (bench/kernels, 1 thread, alternating runs:
    /// res2 3x3 64 141-147 vs 157-170 ms, res3 3x3 128 87-113 vs 105-156 ms per image).
    /// </summary>
    private const int WinogradMinChannels = 64;

    /// <summary>Fewest output positions (all images) for which the Winograd path is used (bench/kernels).</summary>
    private const int WinogradMinOutputs = 64;

    /// <summary>The attributes this layer was built with.</summary>
    public Conv2dSpec Spec { get; }

    /// <summary>True when 3x3 stride-1 calls with enough output positions go through Winograd F(2x2, 3x3).</summary>
    internal bool UsesWinograd => _winograd != null;

    /// <summary>True when the layer has a bias vector.</summary>
    public bool HasBias => _bias.Length != 0;

    /// <summary>
    /// The weights packed for the managed GEMM, made on the first call through a context that uses it (ungrouped
    /// layers only: a group's rows need not start on a micro-kernel panel). Packing once instead of per GEMM call is
    /// what makes the managed kernel beat OpenBLAS on narrow im2col tiles (bench/kernels --gemm).
    /// </summary>
    private GemmPackedA? PackedWeight(CpuContext ctx) =>
        ctx.UsesOpenBlas || Spec.Groups != 1
            ? null
            : LazyInitializer.EnsureInitialized(ref _packedWeight, () => new GemmPackedA(_weight, Spec.OutChannels, _weight.Length / Spec.OutChannels, _weight.Length / Spec.OutChannels, false));

    private bool IsPointwise => Spec is { KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, PadH: 0, PadW: 0 };

    /// <summary>
    /// output = relu?(conv(input) + bias + residual). <paramref name="input"/> is [batch, Cin, height, width],
    /// <paramref name="output"/> [batch, Cout, Ho, Wo] (<see cref="Conv2dSpec.OutputSize"/>), <paramref name="residual"/>
    /// empty or the output's shape. Output must not overlap the inputs.
    /// </summary>
    public void Forward(
        CpuContext ctx, ReadOnlySpan<float> input, int batch, int height, int width, Span<float> output,
        ReadOnlySpan<float> residual = default)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        const string op = "Conv2d";
        ShapeException.ThrowIfNegative(op, nameof(batch), batch);
        (int outH, int outW) = Spec.OutputSize(height, width);
        long inLength = (long)batch * Spec.InChannels * height * width;
        long outLength = (long)batch * Spec.OutChannels * outH * outW;
        ShapeException.ThrowIfLengthNot(op, nameof(input), inLength, input.Length);
        ShapeException.ThrowIfLengthNot(op, nameof(output), outLength, output.Length);
        if (!residual.IsEmpty) ShapeException.ThrowIfLengthNot(op, nameof(residual), outLength, residual.Length);
        if (batch == 0) return;

        unsafe
        {
            fixed (float* pIn = input)
            fixed (float* pOut = output)
            fixed (float* pRes = residual)
            {
                if (_winograd != null && (long)batch * outH * outW >= WinogradMinOutputs)
                {
                    _winograd.Forward(ctx, pIn, batch, height, width, pOut, outH, outW, residual.IsEmpty ? null : pRes, _bias, Spec.Relu);
                    return;
                }
                var job = new ConvJob(this, ctx, pIn, pOut, residual.IsEmpty ? null : pRes, batch, height, width, outH, outW);
                job.Run();
            }
        }
    }

    /// <summary>One Forward call cut into tiles: (image, group, row block of Cout, column block of Ho·Wo).</summary>
    private sealed unsafe class ConvJob
    {
        private readonly Conv2d _layer;
        private readonly CpuContext _ctx;
        private readonly float* _input;
        private readonly float* _output;
        private readonly float* _residual;
        private readonly int _height, _width, _outW;
        private readonly int _cinG, _coutG, _k, _n;
        private readonly int _groups;
        private readonly int _colTile, _colTiles, _rowTile, _rowTiles;
        private readonly int _tasks;
        private readonly GemmPackedA? _packed;

        internal ConvJob(Conv2d layer, CpuContext ctx, float* input, float* output, float* residual, int batch, int height, int width, int outH, int outW)
        {
            _layer = layer;
            _ctx = ctx;
            _input = input;
            _output = output;
            _residual = residual;
            _height = height;
            _width = width;
            _outW = outW;
            Conv2dSpec s = layer.Spec;
            _groups = s.Groups;
            _cinG = s.InChannels / s.Groups;
            _coutG = s.OutChannels / s.Groups;
            _k = _cinG * s.KernelH * s.KernelW;
            _n = outH * outW;
            _packed = layer.PackedWeight(ctx);

            // Column tiles: large enough that sgemm amortises packing the weights (>= 256 columns), small enough that
            // an im2col tile stays near the L2 cache (~1 MB).
            int threads = ctx.TileThreads;
            // Pointwise layers: about four tiles per thread, so Parallel.For can even out threads slowed by neighbours.
            int target = layer.IsPointwise
                ? Math.Max(512, _n / (threads * 4))
                : Math.Max(256, (int)Math.Min(int.MaxValue, (long)ctx.ConvTileBytes * (ctx.Threads / threads) / 4 / Math.Max(1, _k)));
            _colTile = Math.Min(_n, RoundUp(target, 16));
            _colTiles = (_n + _colTile - 1) / _colTile;
            int outer = batch * _groups * _colTiles;
            // Too few tiles to feed every thread (deep layers with small maps): also split the output channels.
            int rowSplits = 1;
            if (threads > 1 && outer < threads * 2)
                rowSplits = Math.Clamp((threads * 2) / outer, 1, Math.Max(1, _coutG / 32));
            _rowTile = RoundUp((_coutG + rowSplits - 1) / rowSplits, _packed != null ? ManagedSgemm.Mr : 8);
            _rowTiles = (_coutG + _rowTile - 1) / _rowTile;
            _tasks = outer * _rowTiles;
        }

        private static int RoundUp(int x, int m) => (x + m - 1) / m * m;

        internal void Run() => _ctx.ParallelFor(_tasks, _ctx.TileThreads, RunTask);

        private void RunTask(int task)
        {
            int rowTile = task % _rowTiles;
            int rest = task / _rowTiles;
            int colTile = rest % _colTiles;
            rest /= _colTiles;
            int g = rest % _groups;
            int nImage = rest / _groups;

            Conv2dSpec s = _layer.Spec;
            int col0 = colTile * _colTile;
            int cols = Math.Min(_colTile, _n - col0);
            int m0 = rowTile * _rowTile;
            int rows = Math.Min(_rowTile, _coutG - m0);
            int planeIn = _height * _width;
            float* image = _input + ((((long)nImage * s.InChannels) + ((long)g * _cinG)) * planeIn);
            long outBase = (((long)nImage * s.OutChannels) + ((long)g * _coutG) + m0) * _n;
            var weight = new ReadOnlySpan<float>(_layer._weight, (g * _coutG + m0) * _k, rows * _k);
            int cLength = ((rows - 1) * _n) + cols;
            var c = new Span<float>(_output + outBase + col0, cLength);

            if (_packed != null)
            {
                // The managed GEMM applies bias, residual and ReLU as it stores each finished tile.
                ReadOnlySpan<float> rowBias = _layer._bias.Length == 0 ? default : _layer._bias.AsSpan(m0, rows);
                ReadOnlySpan<float> residual = _residual == null ? default : new ReadOnlySpan<float>(_residual + outBase + col0, cLength);
                if (_layer.IsPointwise)
                {
                    var b = new ReadOnlySpan<float>(image + col0, ((_k - 1) * planeIn) + cols);
                    Sgemm.Multiply(_ctx, _packed, m0, rows, cols, b, planeIn, c, _n, rowBias, residual, _n, s.Relu);
                }
                else
                {
                    using PooledBuffer<float> im2col = _ctx.RentFloats(_k * cols);
                    Im2Col.Tile(new ReadOnlySpan<float>(image, _cinG * planeIn), _cinG, _height, _width, s, _outW, col0, cols, im2col.Span);
                    Sgemm.Multiply(_ctx, _packed, m0, rows, cols, im2col.Span, cols, c, _n, rowBias, residual, _n, s.Relu);
                }
                return;
            }

            if (_layer.IsPointwise)
            {
                var b = new ReadOnlySpan<float>(image + col0, ((_k - 1) * planeIn) + cols);
                Sgemm.Multiply(_ctx, false, false, rows, cols, _k, weight, _k, b, planeIn, c, _n);
            }
            else
            {
                using PooledBuffer<float> cols2 = _ctx.RentFloats(_k * cols);
                Im2Col.Tile(new ReadOnlySpan<float>(image, _cinG * planeIn), _cinG, _height, _width, s, _outW, col0, cols, cols2.Span);
                Sgemm.Multiply(_ctx, false, false, rows, cols, _k, weight, _k, cols2.Span, cols, c, _n);
            }

            bool hasBias = _layer._bias.Length != 0;
            for (int r = 0; r < rows; r++)
            {
                int channel = (g * _coutG) + m0 + r;
                long offset = outBase + ((long)r * _n) + col0;
                var row = new Span<float>(_output + offset, cols);
                ReadOnlySpan<float> res = _residual == null ? default : new ReadOnlySpan<float>(_residual + offset, cols);
                Epilogue.Apply(row, hasBias ? _layer._bias[channel] : 0f, hasBias, res, s.Relu);
            }
        }

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"Conv2d job {_layer.Spec} tiles {_tasks}");
    }
}
