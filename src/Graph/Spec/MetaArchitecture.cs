namespace Detserve.Graph.Spec;

/// <summary>MODEL.META_ARCHITECTURE values Detserve builds.</summary>
public enum MetaArchitecture
{
    /// <summary>Faster R-CNN (MASK_ON false) and Mask R-CNN: backbone + RPN + StandardROIHeads.</summary>
    GeneralizedRCNN,

    /// <summary>One-stage RetinaNet: backbone + RetinaNetHead.</summary>
    RetinaNet,
}
