namespace Detserve.Cli.Tests;

public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("800x1333", 800, 1333)]
    [InlineData("1344x1344, 800X1333", 1344, 1344)]
    public void ParseSizes_ReadsHeightByWidth(string text, int h, int w)
    {
        var sizes = Commands.BenchCommand.ParseSizes(text);
        Assert.Equal((h, w), sizes[0]);
    }

    [Theory]
    [InlineData("800")]
    [InlineData("0x10")]
    [InlineData("axb")]
    [InlineData("")]
    public void ParseSizes_RejectsMalformed(string text) =>
        Assert.Throws<CliException>(() => Commands.BenchCommand.ParseSizes(text));

    [Fact]
    public void ParseInts_RejectsNonPositive() =>
        Assert.Throws<CliException>(() => Commands.BenchCommand.ParseInts("--batch", "1,0"));
}
