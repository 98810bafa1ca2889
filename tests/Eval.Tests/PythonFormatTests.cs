using Detserve.Eval.Evaluation;

namespace Detserve.Eval.Tests;

/// <summary>The summary text's number formatting against what CPython's format(x, '.Nf') prints (values checked with CPython 3.11).</summary>
public sealed class PythonFormatTests
{
    [Theory]
    [InlineData(0.5625, 3, "0.562")]            // exact binary midpoint: half to even (.NET "F3" gives 0.563)
    [InlineData(0.5635, 3, "0.564")]            // 0.563500000000000000888...: just above the midpoint
    [InlineData(0.0005, 3, "0.001")]            // 0.000500000000000000010408...
    [InlineData(2.675, 2, "2.67")]              // 2.67499999999999982236431605997495353221893310546875
    [InlineData(0.125, 2, "0.12")]
    [InlineData(0.375, 2, "0.38")]
    [InlineData(-1.0, 3, "-1.000")]
    [InlineData(-0.0, 3, "-0.000")]
    [InlineData(-0.0001, 3, "-0.000")]
    [InlineData(1e20, 3, "100000000000000000000.000")]
    [InlineData(0.95, 2, "0.95")]
    [InlineData(0.8999999999999999, 2, "0.90")]
    [InlineData(double.NaN, 3, "nan")]
    [InlineData(double.PositiveInfinity, 3, "inf")]
    [InlineData(5e-324, 3, "0.000")]
    public void FormatsLikeCPython(double value, int decimals, string expected)
    {
        Assert.Equal(expected, PythonFormat.Fixed(value, decimals));
    }
}
