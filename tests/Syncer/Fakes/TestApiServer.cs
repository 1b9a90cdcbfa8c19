using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entrance.Syncer.Tests.Fakes;

/// <summary>A kind the test API server serves.</summary>
public sealed record ApiKind(string GroupVersion, string Plural, string Kind, string Singular, string[] ShortNames, bool Namespaced = true)
{
    public string Group => GroupVersion.Contains('/') ? GroupVersion[..GroupVersion.IndexOf('/')] : string.Empty;
    public string Version => GroupVersion.Contains('/') ? GroupVersion[(GroupVersion.IndexOf('/') + 1)..] : GroupVersion;
    public string Prefix => GroupVersion == "v1" ? "/api/v1" : "/apis/" + GroupVersion;

    public static readonly ApiKind Services = new("v1", "services", "Service", "service", ["svc"]);
    public static readonly ApiKind EndpointSlices = new("discovery.k8s.io/v1", "endpointslices", "EndpointSlice", "endpointslice", []);
    public static readonly ApiKind Ingresses = new("networking.k8s.io/v1", "ingresses", "Ingress", "ingress", ["ing"]);
    public static readonly ApiKind Leases = new("coordination.k8s.io/v1", "leases", "Lease", "lease", []);
    public static readonly ApiKind Secrets = new("v1", "secrets", "Secret", "secret", []);

    // The kinds of deploy/kubernetes, so kubectl apply --dry-run=client can map them (stored generically too).
    public static readonly ApiKind[] Others =
    [
        new("v1", "namespaces", "Namespace", "namespace", ["ns"], Namespaced: false),
        new("v1", "configmaps", "ConfigMap", "configmap", ["cm"]),
        new("v1", "serviceaccounts", "ServiceAccount", "serviceaccount", ["sa"]),
        new("apps/v1", "deployments", "Deployment", "deployment", ["deploy"]),
        new("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", "clusterrole", [], Namespaced: false),
        new("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", "clusterrolebinding", [], Namespaced: false),
        new("rbac.authorization.k8s.io/v1", "roles", "Role", "role", []),
        new("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", "rolebinding", []),
        new("networking.k8s.io/v1", "ingressclasses", "IngressClass", "ingressclass", [], Namespaced: false),
    ];

    public static readonly ApiKind[] All = [Services, EndpointSlices, Ingresses, Leases, Secrets, .. Others];
}

/// <summary>
/// A small Kubernetes API server for tests, on real Kestrel at 127.0.0.1 and speaking the real wire protocol: one
/// resourceVersion sequence (as etcd's revision), LIST with <c>metadata.resourceVersion</c>, WATCH
/// (<c>?watch=1&amp;resourceVersion=N&amp;allowWatchBookmarks=true&amp;timeoutSeconds=S</c>) as a chunked stream of JSON
/// lines — ADDED/MODIFIED/DELETED, periodic BOOKMARKs, and an ERROR event with a 410 Expired Status for a version older
/// than the compaction point — GET/POST/PUT/DELETE of objects with 409 on a stale resourceVersion or an existing
/// name, and the discovery documents kubectl reads. Tests can cut every watch stream and compact the history.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<ApiKind, SortedDictionary<string, JsonObject>> _objects = ApiKind.All.ToDictionary(k => k, _ => new SortedDictionary<string, JsonObject>(StringComparer.Ordinal));
    private readonly List<(long Rv, ApiKind Kind, string Type, JsonObject Obj)> _history = [];
    private readonly List<Watcher> _watchers = [];
    private long _rv = 1000;
    private long _compactedRv;
    private WebApplication _app = null!;

    private TestApiServer()
    {
    }

    public string Url { get; private set; } = string.Empty;

    /// <summary>How often an idle watch with allowWatchBookmarks gets a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests seen, "METHOD path?query", for assertions on what clients asked.</summary>
    public List<string> Requests { get; } = [];

    public int ActiveWatches { get { lock (_gate) { return _watchers.Count; } } }

    public long ResourceVersion { get { lock (_gate) { return _rv; } } }

    public static async Task<TestApiServer> StartAsync()
    {
        var server = new TestApiServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._app = app;
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    // ---- test controls ----

    /// <summary>Creates or replaces an object (as kubectl apply would), emitting ADDED or MODIFIED.</summary>
    public JsonObject Upsert(ApiKind kind, JsonObject obj)
    {
        lock (_gate)
        {
            var key = KeyOf(obj);
            var type = _objects[kind].ContainsKey(key) ? "MODIFIED" : "ADDED";
            return StoreLocked(kind, obj, type);
        }
    }

    public bool Delete(ApiKind kind, string ns, string name)
    {
        lock (_gate)
        {
            if (!_objects[kind].Remove($"{ns}/{name}", out var old))
            {
                return false;
            }

            var rv = ++_rv;
            var copy = (JsonObject)old.DeepClone();
            copy["metadata"]!["resourceVersion"] = rv.ToString();
            RecordLocked(rv, kind, "DELETED", copy);
            return true;
        }
    }

    public JsonObject? Get(ApiKind kind, string ns, string name)
    {
        lock (_gate)
        {
            return _objects[kind].TryGetValue($"{ns}/{name}", out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    /// <summary>Aborts every open watch connection mid-stream, as a dying apiserver or a proxy would.</summary>
    public int CutWatches()
    {
        lock (_gate)
        {
            foreach (var w in _watchers)
            {
                w.Context.Abort();
            }

            return _watchers.Count;
        }
    }

    /// <summary>Forgets history up to now: any watch resuming from an older resourceVersion gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedRv = _rv;
            _history.Clear();
        }
    }

    /// <summary>When set, requests without <c>Authorization: Bearer</c> this token get 401.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>When it returns true for a request, the server answers 503 (an apiserver in trouble).</summary>
    public Func<HttpRequest, bool>? Fail { get; set; }

    /// <summary>When it returns a delay for a request, the server waits that long before answering (a slow apiserver).</summary>
    public Func<HttpRequest, TimeSpan?>? Delay { get; set; }

    /// <summary>Watches end at once with an empty 200 response (as a misbehaving proxy might).</summary>
    public bool CloseWatchesAtOnce { get; set; }

    /// <summary>Makes every change from now on invisible to watches (they get only bookmarks), to prove re-listing works.</summary>
    public bool SuppressWatchEvents { get; set; }

    // ---- protocol ----

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        lock (_gate)
        {
            Requests.Add($"{context.Request.Method} {path}{context.Request.QueryString}");
        }

        if (RequiredToken is { } token && context.Request.Headers.Authorization.ToString() != "Bearer " + token)
        {
            await WriteStatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        if (Delay?.Invoke(context.Request) is { } delay)
        {
            await Task.Delay(delay);
        }

        if (Fail is { } fail && fail(context.Request))
        {
            await WriteStatusAsync(context, 503, "ServiceUnavailable", "the test says no");
            return;
        }

        if (TryDiscovery(path) is { } discovery)
        {
            await WriteJsonAsync(context, 200, discovery);
            return;
        }

        if (!TryParse(path, out var kind, out var ns, out var name))
        {
            await WriteStatusAsync(context, 404, "NotFound", $"the server could not find the requested resource ({path})");
            return;
        }

        var method = context.Request.Method;
        if (name is null && method == "GET" && context.Request.Query["watch"] is var w && (w == "1" || w == "true"))
        {
            if (CloseWatchesAtOnce)
            {
                context.Response.StatusCode = 200;
                return;
            }

            await WatchAsync(context, kind, ns);
        }
        else if (name is null && method == "GET")
        {
            await WriteJsonAsync(context, 200, ListOf(kind, ns, FieldSelector.Parse(context.Request.Query["fieldSelector"])));
        }
        else if (name is null && method == "POST")
        {
            var obj = await ReadObjectAsync(context);
            if (ns is not null)
            {
                obj["metadata"]!["namespace"] = ns;
            }

            JsonObject? created = null;
            lock (_gate)
            {
                if (!_objects[kind].ContainsKey(KeyOf(obj)))
                {
                    created = StoreLocked(kind, obj, "ADDED");
                }
            }

            if (created is null)
            {
                await WriteStatusAsync(context, 409, "AlreadyExists", $"{kind.Plural} \"{obj["metadata"]!["name"]}\" already exists");
            }
            else
            {
                await WriteJsonAsync(context, 201, created);
            }
        }
        else if (name is not null && method == "GET")
        {
            if (Get(kind, ns ?? string.Empty, name) is { } obj)
            {
                await WriteJsonAsync(context, 200, obj);
            }
            else
            {
                await WriteStatusAsync(context, 404, "NotFound", $"{kind.Plural} \"{name}\" not found");
            }
        }
        else if (name is not null && method == "PUT")
        {
            var obj = await ReadObjectAsync(context);
            if (ns is not null)
            {
                obj["metadata"]!["namespace"] = ns;
            }

            var sent = obj["metadata"]?["resourceVersion"]?.GetValue<string>();
            (int Code, string Reason, JsonObject? Obj) outcome;
            lock (_gate)
            {
                if (!_objects[kind].TryGetValue($"{ns ?? string.Empty}/{name}", out var current))
                {
                    outcome = (404, "NotFound", null);
                }
                else if (!string.IsNullOrEmpty(sent) && sent != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                {
                    // Optimistic concurrency: the update was based on an old version (no version: unconditional, as the apiserver allows).
                    outcome = (409, "Conflict", null);
                }
                else
                {
                    outcome = (200, string.Empty, StoreLocked(kind, obj, "MODIFIED"));
                }
            }

            if (outcome.Obj is { } updated)
            {
                await WriteJsonAsync(context, 200, updated);
            }
            else
            {
                await WriteStatusAsync(context, outcome.Code, outcome.Reason, outcome.Code == 409
                    ? $"Operation cannot be fulfilled on {kind.Plural}.{kind.Group} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
                    : $"{kind.Plural} \"{name}\" not found");
            }
        }
        else if (name is not null && method == "DELETE")
        {
            if (Delete(kind, ns ?? string.Empty, name))
            {
                await WriteStatusAsync(context, 200, string.Empty, "deleted", "Success");
            }
            else
            {
                await WriteStatusAsync(context, 404, "NotFound", $"{kind.Plural} \"{name}\" not found");
            }
        }
        else
        {
            await WriteStatusAsync(context, 405, "MethodNotAllowed", $"{method} is not supported here");
        }
    }

    private async Task WatchAsync(HttpContext context, ApiKind kind, string? ns)
    {
        var query = context.Request.Query;
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var fromText = query["resourceVersion"].ToString();
        var watcher = new Watcher(context, kind, ns, FieldSelector.Parse(query["fieldSelector"]));
        long from;
        lock (_gate)
        {
            from = string.IsNullOrEmpty(fromText) || fromText == "0" ? _rv : long.Parse(fromText);
            if (from < _compactedRv)
            {
                watcher.Expired = true;
            }
            else
            {
                foreach (var e in _history.Where(e => e.Rv > from && e.Kind == kind && (ns is null || Ns(e.Obj) == ns) && watcher.Matches(e.Obj)))
                {
                    watcher.Events.Writer.TryWrite(Line(e.Type, e.Obj));
                }

                _watchers.Add(watcher);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var ct = context.RequestAborted;
        try
        {
            if (watcher.Expired)
            {
                // As the apiserver does: a 200 stream whose only event is an ERROR carrying a 410 Status.
                var status = StatusObject(410, "Expired", $"too old resource version: {from} ({_compactedRv})");
                await context.Response.WriteAsync(Line("ERROR", status), ct);
                return;
            }

            await context.Response.Body.FlushAsync(ct);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            while (!deadline.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                tick.CancelAfter(BookmarkInterval);
                try
                {
                    var line = await watcher.Events.Reader.ReadAsync(tick.Token);
                    await context.Response.WriteAsync(line, deadline.Token);
                    await context.Response.Body.FlushAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested && bookmarks)
                {
                    var bookmark = new JsonObject
                    {
                        ["kind"] = kind.Kind,
                        ["apiVersion"] = kind.GroupVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = ResourceVersion.ToString() },
                    };
                    await context.Response.WriteAsync(Line("BOOKMARK", bookmark), deadline.Token);
                    await context.Response.Body.FlushAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    private JsonObject StoreLocked(ApiKind kind, JsonObject obj, string type)
    {
        obj = (JsonObject)obj.DeepClone();
        obj["apiVersion"] = kind.GroupVersion;
        obj["kind"] = kind.Kind;
        var meta = obj["metadata"] as JsonObject ?? throw new ArgumentException("object without metadata");
        var rv = ++_rv;
        meta["resourceVersion"] = rv.ToString();
        meta["uid"] ??= Guid.NewGuid().ToString();
        meta["creationTimestamp"] ??= DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        _objects[kind][KeyOf(obj)] = obj;
        RecordLocked(rv, kind, type, obj);
        return (JsonObject)obj.DeepClone();
    }

    private void RecordLocked(long rv, ApiKind kind, string type, JsonObject obj)
    {
        _history.Add((rv, kind, type, obj));
        if (SuppressWatchEvents)
        {
            return;
        }

        var line = Line(type, obj);
        foreach (var w in _watchers.Where(w => w.Kind == kind && (w.Namespace is null || Ns(obj) == w.Namespace) && w.Matches(obj)))
        {
            w.Events.Writer.TryWrite(line);
        }
    }

    private JsonObject ListOf(ApiKind kind, string? ns, Func<JsonObject, bool>? matches = null)
    {
        lock (_gate)
        {
            var items = new JsonArray();
            foreach (var (key, obj) in _objects[kind])
            {
                if ((ns is null || key.StartsWith(ns + "/", StringComparison.Ordinal)) && (matches is null || matches(obj)))
                {
                    items.Add(obj.DeepClone());
                }
            }

            return new JsonObject
            {
                ["kind"] = kind.Kind + "List",
                ["apiVersion"] = kind.GroupVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _rv.ToString() },
                ["items"] = items,
            };
        }
    }

    private JsonObject? TryDiscovery(string path)
    {
        var host = Url.Replace("http://", string.Empty);
        if (path == "/version")
        {
            return new JsonObject { ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.0-entrance-test", ["platform"] = "linux/amd64" };
        }

        if (path == "/api")
        {
            return new JsonObject
            {
                ["kind"] = "APIVersions",
                ["versions"] = new JsonArray("v1"),
                ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = host }),
            };
        }

        if (path == "/apis")
        {
            var groups = new JsonArray();
            foreach (var g in ApiKind.All.Where(k => k.Group.Length > 0).Select(k => k.GroupVersion).Distinct())
            {
                var gv = new JsonObject { ["groupVersion"] = g, ["version"] = g[(g.IndexOf('/') + 1)..] };
                groups.Add(new JsonObject
                {
                    ["name"] = g[..g.IndexOf('/')],
                    ["versions"] = new JsonArray(gv.DeepClone()),
                    ["preferredVersion"] = gv,
                });
            }

            return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
        }

        foreach (var gv in ApiKind.All.Select(k => k.GroupVersion).Distinct())
        {
            var prefix = gv == "v1" ? "/api/v1" : "/apis/" + gv;
            if (path == prefix)
            {
                var resources = new JsonArray();
                foreach (var k in ApiKind.All.Where(k => k.GroupVersion == gv))
                {
                    resources.Add(new JsonObject
                    {
                        ["name"] = k.Plural,
                        ["singularName"] = k.Singular,
                        ["namespaced"] = k.Namespaced,
                        ["kind"] = k.Kind,
                        ["verbs"] = new JsonArray("create", "delete", "get", "list", "update", "watch"),
                        ["shortNames"] = new JsonArray(k.ShortNames.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                    });
                }

                return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = gv, ["resources"] = resources };
            }
        }

        return null;
    }

    /// <summary>/api/v1/[namespaces/{ns}/]{plural}[/{name}] and /apis/{group}/{version}/…</summary>
    private static bool TryParse(string path, out ApiKind kind, out string? ns, out string? name)
    {
        kind = null!;
        ns = null;
        name = null;
        foreach (var k in ApiKind.All)
        {
            if (!path.StartsWith(k.Prefix + "/", StringComparison.Ordinal))
            {
                continue;
            }

            var rest = path[(k.Prefix.Length + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
            if (rest.Length >= 3 && rest[0] == "namespaces")
            {
                ns = rest[1];
                rest = rest[2..];
            }

            if (rest.Length is 1 or 2 && rest[0] == k.Plural)
            {
                kind = k;
                name = rest.Length == 2 ? rest[1] : null;
                return true;
            }

            ns = null;
        }

        return false;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        var node = await JsonNode.ParseAsync(context.Request.Body);
        return node as JsonObject ?? throw new BadHttpRequestException("body is not a JSON object");
    }

    private static string KeyOf(JsonObject obj) => $"{Ns(obj)}/{obj["metadata"]!["name"]!.GetValue<string>()}";

    private static string? Ns(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    private static string Line(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";

    private static JsonObject StatusObject(int code, string reason, string message, string status = "Failure") => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = status,
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message, string status = "Failure") =>
        WriteJsonAsync(context, code, StatusObject(code, reason, message, status));

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }

    public async ValueTask DisposeAsync()
    {
        CutWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class Watcher(HttpContext context, ApiKind kind, string? ns, Func<JsonObject, bool> matches)
    {
        public Func<JsonObject, bool> Matches => matches;
        public HttpContext Context => context;
        public ApiKind Kind => kind;
        public string? Namespace => ns;
        public bool Expired { get; set; }
        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();
    }
}
