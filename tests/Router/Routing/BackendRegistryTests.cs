using Entrance.Router.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Entrance.Router.Tests.Routing;

/// <summary>The idle sweep on a fake clock: its timer fires when the test advances time.</summary>
public sealed class BackendRegistryTests : IDisposable
{
    private const string Url = "http://10.0.0.1:80";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly BackendRegistry _registry;

    public BackendRegistryTests() => _registry = new BackendRegistry(_time);

    public void Dispose() => _registry.Dispose();

    [Fact]
    public void Get_SameUrl_SameState()
    {
        Assert.Same(_registry.Get(Url), _registry.Get(Url));
    }

    [Fact]
    public void Sweep_IdleTenMinutes_StateDropped()
    {
        var state = _registry.Get(Url);
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Same(state, _registry.Get(Url));

        _time.Advance(TimeSpan.FromMinutes(11)); // a sweep runs every minute

        Assert.NotSame(state, _registry.Get(Url));
    }

    [Fact]
    public void Sweep_RequestInFlight_StateKept()
    {
        var state = _registry.Get(Url);
        state.Enter();

        _time.Advance(TimeSpan.FromMinutes(20));

        Assert.Same(state, _registry.Get(Url));
        state.Leave();
    }

    [Fact]
    public void Sweep_UsedRecently_StateKept()
    {
        var state = _registry.Get(Url);
        _time.Advance(TimeSpan.FromMinutes(9));
        state.Enter();
        state.Leave();

        _time.Advance(TimeSpan.FromMinutes(9));

        Assert.Same(state, _registry.Get(Url));
    }
}
