using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Blas;

/// <summary>
/// torch.nn.Linear for a fixed row count: output[rows, out] = relu?(input[rows, in] · Wᵀ + bias), W [out, in]
/// row-major as PyTorch stores it, bias and ReLU fused in the cuBLASLt epilogue. Row-major data is read as
/// column-major transposes: Dᵀ[out, rows] = op_T(W as [in, out]) · (input as [in, rows]), so the bias is per
/// row of D, as the epilogue wants. Owns its descriptors; borrows the context. Matches the CPU Linear.Forward.
/// </summary>
public sealed class CublasLtLinear : IDisposable
{
    private readonly CublasLtContext _context;
    private readonly CublasLtMatmulDescHandle _operation;
    private readonly CublasLtMatrixLayoutHandle _a, _b, _d;
    private readonly CublasLt.MatmulAlgo _algo;

    /// <summary>Plans the product and picks the heuristic's first algorithm within <paramref name="maxWorkspaceBytes"/>.</summary>
    public unsafe CublasLtLinear(CublasLtContext context, int rows, int inFeatures, int outFeatures, GemmPrecision precision, bool hasBias, bool relu,
        long maxWorkspaceBytes = 32L << 20)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        const string op = "Linear";
        DeviceShape.Positive(op, nameof(rows), rows);
        DeviceShape.Positive(op, nameof(inFeatures), inFeatures);
        DeviceShape.Positive(op, nameof(outFeatures), outFeatures);
        DeviceShape.NotNegative(op, nameof(maxWorkspaceBytes), maxWorkspaceBytes);
        Rows = rows;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Precision = precision;
        HasBias = hasBias;
        Relu = relu;
        string what = $"Linear [{rows}, {inFeatures}] -> [{rows}, {outFeatures}] {precision}{(hasBias ? " +bias" : "")}{(relu ? " +relu" : "")}";
        context.Device.MakeCurrent();
        var ctx = context.Device.Context;
        int compute = precision == GemmPrecision.Tf32 ? CublasLt.CUBLAS_COMPUTE_32F_FAST_TF32 : CublasLt.CUBLAS_COMPUTE_32F;
        int dataType = precision == GemmPrecision.Fp16 ? CublasLt.CUDA_R_16F : CublasLt.CUDA_R_32F;
        NativeStatus.Check(CublasLt.cublasLtMatmulDescCreate(out nint opRaw, compute, CublasLt.CUDA_R_32F), "cublasLtMatmulDescCreate", what);
        _operation = new CublasLtMatmulDescHandle(opRaw, ctx);
        int transA = CublasLt.CUBLAS_OP_T, transB = CublasLt.CUBLAS_OP_N;
        NativeStatus.Check(CublasLt.cublasLtMatmulDescSetAttribute(opRaw, CublasLt.CUBLASLT_MATMUL_DESC_TRANSA, &transA, sizeof(int)), "cublasLtMatmulDescSetAttribute", what + " TRANSA");
        NativeStatus.Check(CublasLt.cublasLtMatmulDescSetAttribute(opRaw, CublasLt.CUBLASLT_MATMUL_DESC_TRANSB, &transB, sizeof(int)), "cublasLtMatmulDescSetAttribute", what + " TRANSB");
        uint epilogue = (hasBias, relu) switch
        {
            (true, true) => CublasLt.CUBLASLT_EPILOGUE_RELU_BIAS,
            (true, false) => CublasLt.CUBLASLT_EPILOGUE_BIAS,
            (false, true) => CublasLt.CUBLASLT_EPILOGUE_RELU,
            _ => CublasLt.CUBLASLT_EPILOGUE_DEFAULT,
        };
        NativeStatus.Check(CublasLt.cublasLtMatmulDescSetAttribute(opRaw, CublasLt.CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(uint)), "cublasLtMatmulDescSetAttribute", what + " EPILOGUE");
        _a = Layout(ctx, dataType, (ulong)inFeatures, (ulong)outFeatures, inFeatures, what + " A (weight)");
        _b = Layout(ctx, dataType, (ulong)inFeatures, (ulong)rows, inFeatures, what + " B (input)");
        _d = Layout(ctx, dataType, (ulong)outFeatures, (ulong)rows, outFeatures, what + " D (output)");

        NativeStatus.Check(CublasLt.cublasLtMatmulPreferenceCreate(out nint prefRaw), "cublasLtMatmulPreferenceCreate", what);
        using var preference = new CublasLtMatmulPreferenceHandle(prefRaw, ctx);
        ulong maxWs = (ulong)maxWorkspaceBytes;
        NativeStatus.Check(CublasLt.cublasLtMatmulPreferenceSetAttribute(prefRaw, CublasLt.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &maxWs, sizeof(ulong)),
            "cublasLtMatmulPreferenceSetAttribute", what);
        CublasLt.MatmulHeuristicResult result;
        NativeStatus.Check(CublasLt.cublasLtMatmulAlgoGetHeuristic(context.Handle.Raw, opRaw, _a.Raw, _b.Raw, _d.Raw, _d.Raw, prefRaw, 1, &result, out int returned),
            "cublasLtMatmulAlgoGetHeuristic", what);
        if (returned < 1 || result.State != CublasStatus.CUBLAS_STATUS_SUCCESS)
            throw new CudaException($"{what}: cuBLASLt offers no algorithm within {maxWorkspaceBytes} bytes of workspace");
        _algo = result.Algo;
        WorkspaceBytes = (long)result.WorkspaceSize;
    }

    /// <summary>Planned rows.</summary>
    public int Rows { get; }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Data type and compute mode.</summary>
    public GemmPrecision Precision { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool HasBias { get; }

    /// <summary>Whether ReLU follows.</summary>
    public bool Relu { get; }

    /// <summary>Scratch <see cref="Enqueue"/> needs.</summary>
    public long WorkspaceBytes { get; }

    private static CublasLtMatrixLayoutHandle Layout(Native.Handles.CudaContextHandle ctx, int dataType, ulong rows, ulong cols, long ld, string what)
    {
        NativeStatus.Check(CublasLt.cublasLtMatrixLayoutCreate(out nint raw, dataType, rows, cols, ld), "cublasLtMatrixLayoutCreate", $"{what} {rows}x{cols} ld {ld}");
        return new CublasLtMatrixLayoutHandle(raw, ctx);
    }

    /// <summary>output[Rows, OutFeatures] = relu?(input[Rows, InFeatures] · weight[OutFeatures, InFeatures]ᵀ + bias).</summary>
    public unsafe void Enqueue(DeviceBuffer input, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer output, DeviceBuffer? workspace, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        const string op = "Linear";
        int eb = Precision == GemmPrecision.Fp16 ? 2 : 4;
        DeviceShape.Holds(op, nameof(input), input, (long)Rows * InFeatures, eb);
        DeviceShape.Holds(op, nameof(weight), weight, (long)OutFeatures * InFeatures, eb);
        DeviceShape.Holds(op, nameof(output), output, (long)Rows * OutFeatures, eb);
        if (HasBias) DeviceShape.Holds(op, nameof(bias), bias!, OutFeatures, eb);
        if (WorkspaceBytes > 0) DeviceShape.Holds(op, nameof(workspace), workspace!, WorkspaceBytes, 1);
        string what = $"Linear [{Rows}, {InFeatures}] -> [{Rows}, {OutFeatures}] {Precision}";
        if (HasBias)
        {
            ulong biasPtr = bias!.Pointer;
            NativeStatus.Check(CublasLt.cublasLtMatmulDescSetAttribute(_operation.Raw, CublasLt.CUBLASLT_MATMUL_DESC_BIAS_POINTER, &biasPtr, sizeof(ulong)),
                "cublasLtMatmulDescSetAttribute", what + " BIAS_POINTER");
        }
        float alpha = 1f, beta = 0f;
        var algo = _algo;
        NativeStatus.Check(CublasLt.cublasLtMatmul(_context.Handle.Raw, _operation.Raw, &alpha, weight.Pointer, _a.Raw, input.Pointer, _b.Raw, &beta,
            output.Pointer, _d.Raw, output.Pointer, _d.Raw, &algo, WorkspaceBytes > 0 ? workspace!.Pointer : 0, (nuint)WorkspaceBytes, stream.Raw),
            "cublasLtMatmul", what);
    }

    /// <summary>Frees the descriptors in reverse order of creation.</summary>
    public void Dispose()
    {
        _d.Dispose();
        _b.Dispose();
        _a.Dispose();
        _operation.Dispose();
    }
}
