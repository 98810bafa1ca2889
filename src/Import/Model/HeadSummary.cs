namespace Detserve.Import.Model;

/// <summary>A head (RPN, box head, mask head, RetinaNet head) in a <see cref="ModelSummary"/>.</summary>
/// <param name="Name">State-dict prefix, e.g. "proposal_generator.rpn_head", "roi_heads.box_head".</param>
/// <param name="Type">Detectron2 class, e.g. "StandardRPNHead".</param>
/// <param name="InFeatures">Features it reads.</param>
/// <param name="Layers">Its layers in order, one line each, e.g. "fc1: Linear 3136 -> 256 + ReLU".</param>
/// <param name="ParameterCount">Elements of its tensors.</param>
/// <param name="Settings">Inference settings by config key, values as Python prints them.</param>
public sealed record HeadSummary(
    string Name,
    string Type,
    IReadOnlyList<string> InFeatures,
    IReadOnlyList<string> Layers,
    long ParameterCount,
    IReadOnlyDictionary<string, string> Settings);
