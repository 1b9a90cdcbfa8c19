using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Entrance.Syncer.Kubernetes;

/// <summary>An API error with the server's Status (code 410 = resourceVersion too old, 409 = conflict, 404 = not found).</summary>
public sealed class KubeApiException(int code, string? reason, string message) : Exception(message)
{
    public int Code => code;

    /// <summary>Status.reason: Expired, Gone, Conflict, NotFound, AlreadyExists…</summary>
    public string? Reason => reason;

    public bool IsGone => code == 410;
}

/// <summary>One decoded watch event.</summary>
public readonly record struct WatchEvent<T>(string Type, T? Object, string? ResourceVersion, Status? Error);

/// <summary>
/// A small typed client over HttpClient for the few calls the Syncer needs: LIST, WATCH (a chunked stream of JSON
/// lines), and Lease get/create/update. JSON goes through System.Text.Json source generation (<see cref="KubeJson"/>).
/// </summary>
public sealed class KubeClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly KubeCredentials _credentials;

    public KubeClient(KubeCredentials credentials)
    {
        _credentials = credentials;
        // No overall timeout: watches are long-lived; each call passes its own cancellation.
        _http = new HttpClient(credentials.CreateHandler()) { BaseAddress = credentials.Server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("entrance-syncer/1.0");
    }

    public KubeCredentials Credentials => _credentials;

    /// <summary>How long a plain (non-watch) request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<KubeList<T>> ListAsync<T>(KubeResource<T> resource, string? ns, CancellationToken ct) where T : KubeObject
    {
        // Paged as the apiserver recommends for large clusters; all pages come from one consistent snapshot.
        var all = new KubeList<T>();
        string? cont = null;
        do
        {
            var url = resource.CollectionPath(ns) + "?limit=500" + (cont is null ? string.Empty : "&continue=" + Uri.EscapeDataString(cont));
            var page = await SendAsync(HttpMethod.Get, url, null, resource.List, ct).ConfigureAwait(false);
            all.Items.AddRange(page.Items);
            all.Metadata.ResourceVersion = page.Metadata.ResourceVersion;
            cont = string.IsNullOrEmpty(page.Metadata.Continue) ? null : page.Metadata.Continue;
        }
        while (cont is not null);

        return all;
    }

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks. Ends when the server closes the stream; throws
    /// <see cref="KubeApiException"/> (410) when the version is too old, IOException when the stream breaks.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(KubeResource<T> resource, string? ns, string resourceVersion, TimeSpan serverTimeout,
        [EnumeratorCancellation] CancellationToken ct) where T : KubeObject
    {
        var url = $"{resource.CollectionPath(ns)}?watch=1&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={(int)serverTimeout.TotalSeconds}";
        using var response = await SendRawAsync(HttpMethod.Get, url, null, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var raw = JsonSerializer.Deserialize(line, KubeJson.Default.RawWatchEvent)
                ?? throw new IOException("empty watch event");
            if (raw.Type == "ERROR")
            {
                var status = raw.Object.Deserialize(KubeJson.Default.Status);
                yield return new WatchEvent<T>(raw.Type, null, null, status);
                yield break;
            }

            var obj = raw.Object.Deserialize(resource.Item);
            yield return new WatchEvent<T>(raw.Type, obj, obj?.Metadata.ResourceVersion, null);
        }
    }

    /// <summary>The Lease, or null when it does not exist.</summary>
    public async Task<Lease?> GetLeaseAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, KubeResources.LeasePath(ns, name), null, KubeJson.Default.Lease, ct).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    /// <summary>Creates the Lease; 409 AlreadyExists when someone was faster.</summary>
    public Task<Lease> CreateLeaseAsync(Lease lease, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, KubeResources.LeasePath(lease.Metadata.Namespace!), JsonSerializer.Serialize(lease, KubeJson.Default.Lease), KubeJson.Default.Lease, ct);

    /// <summary>Replaces the Lease; 409 Conflict when <c>metadata.resourceVersion</c> is stale (someone else wrote it).</summary>
    public Task<Lease> UpdateLeaseAsync(Lease lease, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, KubeResources.LeasePath(lease.Metadata.Namespace!, lease.Metadata.Name!), JsonSerializer.Serialize(lease, KubeJson.Default.Lease), KubeJson.Default.Lease, ct);

    private async Task<TResult> SendAsync<TResult>(HttpMethod method, string url, string? body, JsonTypeInfo<TResult> type, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var response = await SendRawAsync(method, url, body, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(stream, type, timeout.Token).ConfigureAwait(false)
            ?? throw new KubeApiException((int)response.StatusCode, null, $"{method} {url}: empty response");
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string url, string? body, HttpCompletionOption completion, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (_credentials.Token(forceReread: attempt > 0) is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            var response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                // A rotated service-account token: re-read the file once and retry.
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && _credentials.TokenFile is not null)
                {
                    continue;
                }

                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                Status? status = null;
                try
                {
                    status = JsonSerializer.Deserialize(text, KubeJson.Default.Status);
                }
                catch (JsonException)
                {
                }

                throw new KubeApiException((int)response.StatusCode, status?.Reason,
                    $"{method} {url}: {(int)response.StatusCode} {status?.Message ?? text}");
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
