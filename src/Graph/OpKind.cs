namespace Detserve.Graph;

/// <summary>
/// The closed op vocabulary of a <see cref="NetworkGraph"/>. Every backend implements each of these (or reports that it cannot);
/// adding an op means a value here, a shape rule in <see cref="NetworkBuilder"/>, a reference and a kernel in each backend.
/// </summary>
public enum OpKind
{
    // ---- graph boundary ----

    /// <summary>A named input tensor (N, C, H, W); H and W may be dynamic.</summary>
    Input,

    // ---- dense ops on NCHW feature maps ----

    /// <summary>2-D convolution (PyTorch nn.Conv2d), optionally with bias, a residual added before ReLU, and ReLU (after compile fusion).</summary>
    Conv2d,

    /// <summary>Detectron2's FrozenBatchNorm2d (detectron2/layers/batch_norm.py): y = x * scale + shift per channel. Folded away by the compiler.</summary>
    FrozenBatchNorm,

    /// <summary>max(x, 0). Fused into the producing convolution by the compiler where possible.</summary>
    Relu,

    /// <summary>Elementwise sum of two tensors of identical shape (ResNet's shortcut). Fused into a convolution by the compiler.</summary>
    Add,

    /// <summary>max_pool2d (floor mode, -inf padding).</summary>
    MaxPool2d,

    /// <summary>FPN's top-down merge: lateral + F.interpolate(top, scale_factor=2, mode="nearest") (detectron2/modeling/backbone/fpn.py).</summary>
    UpsampleNearest2xAdd,

    /// <summary>nn.ConvTranspose2d (the mask head's 2x2/2 upsampling), optionally followed by ReLU.</summary>
    ConvTranspose2d,

    /// <summary>nn.Linear on the flattened (C*H*W) input, optionally followed by ReLU.</summary>
    Linear,
}
