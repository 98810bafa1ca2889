using Detserve.Runtime;

namespace Detserve.Tests.Shared;

/// <summary>Asserts that two runs gave the same detections bit for bit: boxes, scores, classes and every pasted mask.</summary>
internal static class SameInstances
{
    /// <summary>Checks image by image; returns the total number of detections (so a caller can require that there were some).</summary>
    public static int Assert(IReadOnlyList<Instances> expected, IReadOnlyList<Instances> actual)
    {
        Xunit.Assert.Equal(expected.Count, actual.Count);
        int total = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            Xunit.Assert.Equal(expected[i].Boxes, actual[i].Boxes);
            Xunit.Assert.Equal(expected[i].Scores, actual[i].Scores);
            Xunit.Assert.Equal(expected[i].Classes, actual[i].Classes);
            for (int k = 0; k < expected[i].Count; k++)
                Xunit.Assert.Equal(expected[i].GetMask(k)?.Data, actual[i].GetMask(k)?.Data);
            total += expected[i].Count;
        }
        return total;
    }
}
