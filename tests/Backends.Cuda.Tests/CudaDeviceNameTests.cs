namespace Detserve.Backends.Cuda.Tests;

public sealed class CudaDeviceNameTests
{
    [Theory]
    [InlineData("cuda", 0)]
    [InlineData("cuda:0", 0)]
    [InlineData("cuda:7", 7)]
    [InlineData("cuda:12", 12)]
    public void Parse_AcceptsPyTorchDeviceStrings(string device, int ordinal)
    {
        Assert.True(CudaDeviceName.TryParse(device, out int parsed));
        Assert.Equal(ordinal, parsed);
        Assert.Equal(ordinal, CudaDeviceName.Parse(device));
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("CUDA")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:+1")]
    [InlineData("cuda: 1")]
    [InlineData("cuda:1x")]
    [InlineData("cuda:99999999999")]
    [InlineData("")]
    [InlineData(null)]
    public void Parse_RejectsEverythingElse(string? device)
    {
        Assert.False(CudaDeviceName.TryParse(device, out _));
        if (device is not null)
        {
            var e = Assert.Throws<ArgumentException>(() => CudaDeviceName.Parse(device));
            Assert.Contains($"'{device}'", e.Message, StringComparison.Ordinal);
        }
    }
}
