using Entrance.Core.Store;

namespace Entrance.Core.Tests.Store;

public class RedisConnectionTests
{
    [Theory]
    [InlineData("localhost:6379")]
    [InlineData("10.0.0.2:6379,password=secret,defaultDatabase=2")]
    public void Problem_UsableConfiguration_Null(string configuration) => Assert.Null(RedisConnection.Problem(configuration));

    [Theory]
    [InlineData("", "the Redis configuration is empty")]
    [InlineData("localhost:notaport", "invalid Redis configuration 'localhost:notaport': no endpoint")]
    [InlineData("localhost,connectTimeout=soon", "invalid Redis configuration 'localhost,connectTimeout=soon': ")]
    public void Problem_BadConfiguration_SaysWhy(string configuration, string expected) =>
        Assert.StartsWith(expected, RedisConnection.Problem(configuration));

    [Fact]
    public void ParseOptions_BadConfiguration_ArgumentExceptionWithTheSameReason()
    {
        var error = Assert.Throws<ArgumentException>(() => RedisConnection.ParseOptions("localhost:notaport"));

        Assert.StartsWith(RedisConnection.Problem("localhost:notaport")!, error.Message);
    }
}
