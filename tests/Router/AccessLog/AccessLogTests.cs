using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Entrance.Testing;

namespace Entrance.Router.Tests.AccessLog;

/// <summary>The access log written to a temporary file by a real router, read back line by line.</summary>
public class AccessLogTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entrance-access-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task AccessLog_JsonToFile_OneObjectPerRequestWithEveryField()
    {
        await using var backend = await TestBackend.StartAsync("logged");
        await redis.Server.CliAsync("SADD", "entrance:backends:log-json.example.com", backend.Url);
        var path = Path.Combine(_dir, "access.json.log");
        await using (var router = await RouterHost.StartAsync(redis.Server, "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Format=json", "Entrance:AccessLog:Path=" + path))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/download?bytes=1234");
            request.Headers.Host = "log-json.example.com";
            request.Headers.Add("X-Request-Id", "req-json-1");
            request.Headers.UserAgent.ParseAdd("tests/1.0");
            using var response = await router.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1234, (await response.Content.ReadAsByteArrayAsync()).Length);
            using var unknown = await router.GetAsync("log-nobody.example.com", "/x");
        } // stopping the router drains the queue and flushes the file

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        var line = JsonDocument.Parse(lines[0]).RootElement;
        Assert.True(DateTimeOffset.Parse(line.GetProperty("time").GetString()!) > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal("127.0.0.1", line.GetProperty("client_ip").GetString());
        Assert.Equal("GET", line.GetProperty("method").GetString());
        Assert.Equal("/download?bytes=1234", line.GetProperty("path").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Equal(1234, line.GetProperty("bytes").GetInt64());
        Assert.True(line.GetProperty("total_ms").GetDouble() > 0);
        Assert.True(line.GetProperty("backend_ms").GetDouble() > 0);
        Assert.True(line.GetProperty("backend_ms").GetDouble() <= line.GetProperty("total_ms").GetDouble());
        Assert.Equal("log-json.example.com", line.GetProperty("host").GetString());
        Assert.Equal("entrance:backends:log-json.example.com", line.GetProperty("matched_key").GetString());
        Assert.Equal(backend.Url, line.GetProperty("backend_url").GetString());
        Assert.Equal("req-json-1", line.GetProperty("request_id").GetString());
        Assert.Equal("miss", line.GetProperty("cache").GetString());
        Assert.Equal("tests/1.0", line.GetProperty("user_agent").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);

        var miss = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(404, miss.GetProperty("status").GetInt32());
        Assert.Equal("unknown-host", miss.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, miss.GetProperty("backend_ms").ValueKind);
        Assert.Equal(32, miss.GetProperty("request_id").GetString()!.Length); // a new id when the client sent none
    }

    [Fact]
    public async Task AccessLog_TextToFile_CombinedFormatThenEntranceFields()
    {
        await using var backend = await TestBackend.StartAsync("logged");
        await redis.Server.CliAsync("SADD", "entrance:backends:log-text.example.com", backend.Url);
        var path = Path.Combine(_dir, "access.log");
        await using (var router = await RouterHost.StartAsync(redis.Server, "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Path=" + path))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/hello?a=1");
            request.Headers.Host = "log-text.example.com";
            request.Headers.Add("X-Request-Id", "req-text-1");
            using var response = await router.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var line = Assert.Single(File.ReadAllLines(path));
        var match = Regex.Match(line,
            @"^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] ""GET /hello\?a=1 HTTP/1\.1"" 200 (\d+) ""-"" ""-"" " +
            @"host=""log-text\.example\.com"" key=""entrance:backends:log-text\.example\.com"" backend=""(?<backend>[^""]+)"" " +
            @"total_ms=(?<total>[\d.]+) backend_ms=(?<backendMs>[\d.]+) rid=""req-text-1"" cache=miss retries=0 error=- backend_proto=HTTP/1.1 grpc_status=-$");
        Assert.True(match.Success, line);
        Assert.Equal(backend.Url, match.Groups["backend"].Value);
        Assert.True(long.Parse(match.Groups[1].Value) > 0);
    }

    [Fact]
    public async Task AccessLog_DefaultConsole_LineOnStandardOutput()
    {
        await using var backend = await TestBackend.StartAsync("logged");
        await redis.Server.CliAsync("SADD", "entrance:backends:log-console.example.com", backend.Url);
        // The default output, in a real process: its standard output is what the test reads.
        await using var router = await RouterProcess.StartAsync(redis.Server, "Entrance:AccessLog:Output=console");

        using var response = await router.GetAsync("log-console.example.com", "/console-line");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Eventually.TrueAsync(() => Task.FromResult(router.Output.Contains("\"GET /console-line HTTP/1.1\" 200")),
            TimeSpan.FromSeconds(10), "the access-log line reached standard output");
        var line = router.Output.Split('\n').Single(l => l.Contains("/console-line"));
        Assert.Contains("host=\"log-console.example.com\"", line);
        Assert.Contains("backend=\"" + backend.Url + "\"", line);
    }

    [Fact]
    public async Task AccessLog_ClientGoneBeforeAnswer_Logged499ClientAborted()
    {
        await using var backend = await TestBackend.StartAsync("slow");
        await redis.Server.CliAsync("SADD", "entrance:backends:log-abort.example.com", backend.Url);
        var path = Path.Combine(_dir, "abort.log");
        await using (var router = await RouterHost.StartAsync(redis.Server, "Entrance:AccessLog:Output=file", "Entrance:AccessLog:Path=" + path))
        {
            using var cancel = new CancellationTokenSource();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/slow?ms=5000");
            request.Headers.Host = "log-abort.example.com";
            var sending = router.Client.SendAsync(request, cancel.Token);
            await Eventually.TrueAsync(() => Task.FromResult(backend.Hits == 1), TimeSpan.FromSeconds(10), "the request reached the backend");
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
            await Eventually.TrueAsync(async () => (await router.AdminClient.GetStringAsync("/metrics")).Contains("entrance_errors_total{reason=\"client-aborted\"} 1"),
                TimeSpan.FromSeconds(10), "the abort was recorded");
        }

        var line = Assert.Single(File.ReadAllLines(path));
        Assert.Contains("\"GET /slow?ms=5000 HTTP/1.1\" 499 ", line);
        Assert.EndsWith("error=client-aborted backend_proto=- grpc_status=-", line);
    }

    [Fact]
    public async Task AccessLog_Off_NoFileWritten()
    {
        var path = Path.Combine(_dir, "never.log");
        await using (var router = await RouterHost.StartAsync(redis.Server, "Entrance:AccessLog:Output=off", "Entrance:AccessLog:Path=" + path))
        {
            using var response = await router.GetAsync("log-off.example.com");
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Start_BadAccessLogFormat_FailsWithClearError()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RouterHost.StartAsync(redis.Server, "Entrance:AccessLog:Format=xml"));
        Assert.Contains("Entrance:AccessLog:Format", error.Message);
    }
}
