namespace Detserve.Backends.Cuda.Tests;

public sealed class NpyTests
{
    [Fact]
    public void ReadsGoldenStageTensors_WithTheShapesTheReadmeStates()
    {
        string dir = Golden.MaskRcnnStage("t10_256x256");
        var (shape, data) = Npy.ReadFloat32(Path.Combine(dir, "rpn_objectness_p2.npy"));
        Assert.Equal([1, 3, 32, 32], shape);
        Assert.Equal(3 * 32 * 32, data.Length);
        var (proposalShape, _) = Npy.ReadFloat32(Path.Combine(dir, "rpn_proposals_xyxy.npy"));
        Assert.Equal([885, 4], proposalShape);
        var (classShape, classes) = Npy.ReadInt64(Path.Combine(dir, "det_classes.npy"));
        Assert.Equal([43], classShape);
        Assert.All(classes, c => Assert.InRange(c, 0, 2));
        Assert.Throws<InvalidDataException>(() => Npy.ReadInt64(Path.Combine(dir, "det_scores.npy")));
    }
}
