using Autograd.Kernels;

namespace Autograd.Tests.Kernels;

/// <summary>The cache-size reader behind the GEMM's in-place bound: sysfs's size text in bytes (oracle: K = 1024, M = 1024²).</summary>
public class CacheSizesTests
{
    [Theory]
    [InlineData("2048K\n", 2048L * 1024)]
    [InlineData("1M", 1024L * 1024)]
    [InlineData("512", 512L)]
    [InlineData(" 48K ", 48L * 1024)]
    public void SysfsSizesAreReadInBytes(string text, long bytes) => Assert.Equal(bytes, CacheSizes.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("-4K")]
    [InlineData("0K")]
    [InlineData("large")]
    public void TextThatIsNotASizeGivesNull(string text) => Assert.Null(CacheSizes.Parse(text));
}
