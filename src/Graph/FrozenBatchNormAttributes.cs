namespace Detserve.Graph;

/// <summary>
/// FrozenBatchNorm2d buffers as stored in the checkpoint (detectron2/layers/batch_norm.py); <see cref="Eps"/> is 1e-5.
/// Scale and shift are derived by <see cref="Compile.GraphCompiler"/> exactly as Detectron2's forward does, in float32.
/// </summary>
public sealed record FrozenBatchNormAttributes(float[] Weight, float[] Bias, float[] RunningMean, float[] RunningVar, float Eps) : OpAttributes;
