using System.Net;
using System.Net.Sockets;
using Entrance.Router.Outliers;
using Entrance.Router.Routing;
using Entrance.Testing;
using Yarp.ReverseProxy.Forwarder;

namespace Entrance.Router.Tests.Outliers;

/// <summary>Passive outlier detection through a real router: backends that accept connections and never answer.</summary>
public class OutlierDetectionTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private TestBackend _good = null!;
    private readonly List<Silent> _silent = [];

    public async Task InitializeAsync()
    {
        await redis.Server.CliAsync("FLUSHALL");
        _good = await TestBackend.StartAsync("good");
    }

    public async Task DisposeAsync()
    {
        await _good.DisposeAsync();
        foreach (var s in _silent)
        {
            s.Dispose();
        }
    }

    [Fact]
    public async Task Forward_BackendAcceptsAndNeverAnswers_MarkedDeadOnEveryRouterAfterNTimeouts()
    {
        await using var router = await RouterHost.StartAsync(redis.Server,
            "Entrance:BackendTimeout=00:00:00.300", "Entrance:Outliers:ConsecutiveGatewayFailures=3");
        var silent = StartSilent();
        await redis.Server.CliAsync("SADD", "entrance:backends:t.example.com", _good.Url, silent.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:t.example.com", "lb", "round-robin");

        var timeouts = 0;
        for (var i = 0; i < 6; i++)
        {
            using var response = await router.GetAsync("t.example.com");
            timeouts += response.StatusCode == HttpStatusCode.GatewayTimeout ? 1 : 0;
        }

        Assert.Equal(3, timeouts); // round-robin: every other request, until the third timeout ejected it
        Assert.NotEqual("", await redis.Server.CliAsync("ZSCORE", "entrance:dead:t.example.com", silent.Url));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("good", await router.GetBodyAsync("t.example.com"));
        }
    }

    [Fact]
    public async Task Forward_EveryBackendSilent_EjectionCappedAtMaxEjectionPercent()
    {
        await using var router = await RouterHost.StartAsync(redis.Server,
            "Entrance:BackendTimeout=00:00:00.200", "Entrance:Outliers:ConsecutiveGatewayFailures=2", "Entrance:Outliers:MaxEjectionPercent=50");
        var a = StartSilent();
        var b = StartSilent();
        await redis.Server.CliAsync("SADD", "entrance:backends:c.example.com", a.Url, b.Url);
        await redis.Server.CliAsync("HSET", "entrance:host:c.example.com", "lb", "round-robin");

        for (var i = 0; i < 8; i++)
        {
            using var response = await router.GetAsync("c.example.com");
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        }

        Assert.Equal("1", await redis.Server.CliAsync("ZCARD", "entrance:dead:c.example.com")); // 1 of 2 = 50%: the second stays
        var entry = router.Service<RouteCache>().Peek("c.example.com")!.Entry!;
        var kept = entry.Backends.Single(x => entry.DeadUntil(Array.IndexOf(entry.Backends, x)) == 0);
        Assert.True(router.Service<OutlierDetector>().FailuresOf(kept) >= 2, "still counted, ejected once the other is back");
    }

    [Fact]
    public async Task Record_SuccessBetweenFailures_ResetsTheCount()
    {
        await using var router = await RouterHost.StartAsync(redis.Server, "Entrance:Outliers:ConsecutiveGatewayFailures=3");
        await redis.Server.CliAsync("SADD", "entrance:backends:r.example.com", _good.Url);
        // The entry from the cache itself, not through a proxied request: that request's own success is recorded after
        // its answer reaches the client, and landing after the failures below it would reset them.
        var entry = (await router.Service<RouteCache>().GetAsync("r.example.com")).Entry!;
        var detector = router.Service<OutlierDetector>();
        var backend = entry.Backends[0];

        detector.Record(entry, backend, ForwarderError.RequestTimedOut, 504, clientGone: false);
        detector.Record(entry, backend, ForwarderError.None, 502, clientGone: false);
        Assert.Equal(2, detector.FailuresOf(backend));
        detector.Record(entry, backend, ForwarderError.None, 200, clientGone: false);
        Assert.Equal(0, detector.FailuresOf(backend));
        detector.Record(entry, backend, ForwarderError.ResponseBodyClient, 200, clientGone: true);
        Assert.Equal(0, detector.FailuresOf(backend)); // the client's failure is not the backend's
    }

    private Silent StartSilent()
    {
        var silent = new Silent();
        _silent.Add(silent);
        return silent;
    }

    /// <summary>Accepts connections, reads nothing, answers nothing: the backend from the issue.</summary>
    private sealed class Silent : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _accepted = [];
        private readonly CancellationTokenSource _stop = new();

        public Silent()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_accepted)
                    {
                        _accepted.Add(socket);
                    }
                }
            }
            catch (Exception)
            {
                // stopped
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_accepted)
            {
                foreach (var s in _accepted)
                {
                    s.Dispose();
                }
            }
        }
    }
}
