using Entrance.Hosting.Logging;
using Entrance.Router.AccessLog;
using Entrance.Router.Admin;
using Entrance.Router.Configuration;
using Entrance.Router.DebugHeaders;
using Entrance.Router.DeadBackends;
using Entrance.Router.Fleet;
using Entrance.Router.HealthChecks;
using Entrance.Router.Invalidation;
using Entrance.Router.LoadBalancing;
using Entrance.Router.Metrics;
using Entrance.Router.Outliers;
using Entrance.Router.Passthrough;
using Entrance.Router.Proxy;
using Entrance.Router.Registrations;
using Entrance.Router.Routing;
using Entrance.Router.Sticky;
using Entrance.Router.Store;
using Entrance.Router.Tcp;
using Entrance.Router.Tls;
using Entrance.Router.Transport;

namespace Entrance.Router;

/// <summary>The router's composition, shared by Program and the tests so both run the very same app.</summary>
public static class EntranceRouter
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary: find it wherever the router is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddEntranceTransport();
        builder.AddEntranceOptions();
        builder.AddEntranceHttps();
        builder.AddEntranceH2c();
        builder.AddEntranceLogging();
        builder.Services
            .AddRouteStore()
            .AddRouterMetrics(builder.Configuration)
            .AddLoadBalancing()
            .AddRouteCache()
            .AddCertificates(builder.Configuration)
            .AddDeadBackends()
            .AddRegistrationCleanup()
            .AddOutlierDetection(builder.Configuration)
            .AddStickySessions(builder.Configuration)
            .AddFleet(builder.Configuration)
            .AddActiveHealthChecks(builder.Configuration)
            .AddPassthrough(builder.Configuration)
            .AddAccessLog(builder.Configuration)
            .AddDebugHeaders(builder.Configuration)
            .AddForwarding()
            .AddHostedService<InvalidationListener>()
            .AddTcpRoutes(builder.Configuration)
            .AddAdminListener(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapEntranceProxy();
        return app;
    }
}
