using Entrance.Router.Grpc;
using Entrance.Router.Proxy;
using Microsoft.Extensions.Primitives;

namespace Entrance.Router.Tests.Grpc;

public sealed class GrpcRequestsTests
{
    [Theory]
    [InlineData("5S", 5_000)]
    [InlineData("250m", 250)]
    [InlineData("2M", 120_000)]
    [InlineData("1H", 3_600_000)]
    [InlineData("3000000u", 3_000)]
    [InlineData("99999999n", 99)]
    public void Timeout_ValidHeader_Parsed(string header, double ms) =>
        Assert.Equal(ms, Math.Floor(GrpcRequests.Timeout(header)!.Value.TotalMilliseconds));

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5s")]
    [InlineData("-5S")]
    [InlineData("123456789S")]
    [InlineData("S")]
    public void Timeout_MalformedHeader_Null(string header) => Assert.Null(GrpcRequests.Timeout(header));

    [Fact]
    public void Timeout_NoOrTwoHeaders_Null()
    {
        Assert.Null(GrpcRequests.Timeout(StringValues.Empty));
        Assert.Null(GrpcRequests.Timeout(new StringValues(["1S", "2S"])));
    }

    [Fact]
    public void StatusFor_RouterAnswers_DocumentedMapping()
    {
        Assert.Equal(12, GrpcErrors.StatusFor(ErrorPages.UnknownHost(404)));
        Assert.Equal(12, GrpcErrors.StatusFor(ErrorPages.UnknownHost(400))); // the reason decides, not the configured status
        Assert.Equal(14, GrpcErrors.StatusFor(ErrorPages.NoBackends));
        Assert.Equal(14, GrpcErrors.StatusFor(ErrorPages.BackendUnreachable));
        Assert.Equal(14, GrpcErrors.StatusFor(ErrorPages.BackendError));
        Assert.Equal(14, GrpcErrors.StatusFor(ErrorPages.BackendTlsError));
        Assert.Equal(14, GrpcErrors.StatusFor(ErrorPages.StoreUnavailable));
        Assert.Equal(4, GrpcErrors.StatusFor(ErrorPages.BackendTimeout));
        Assert.Equal(13, GrpcErrors.StatusFor(ErrorPages.InvalidHost));
        Assert.Equal(8, GrpcErrors.StatusFor(new ErrorPage(413, "body-too-large", "Too big.")));
        Assert.Equal(14, GrpcErrors.StatusFor(new ErrorPage(429, "rate-limited", "Slow down.")));
        Assert.Equal(2, GrpcErrors.StatusFor(new ErrorPage(418, "teapot", "No.")));
    }
}
