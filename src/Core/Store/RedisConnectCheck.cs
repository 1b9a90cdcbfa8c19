using System.Net;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>
/// Says which step of a failed connect went wrong, in words an operator can act on. StackExchange.Redis reports a
/// refused password the same way whether the sentinels or the master refused it ("There was an authentication
/// failure", no address), and a service name the sentinels do not know as "no connection". With Sentinel this goes
/// through the steps one at a time: the sentinels (with <c>sentinelUser</c>/<c>sentinelPassword</c>, else
/// <c>user</c>/<c>password</c>), the service's master as they name it (<c>user</c>/<c>password</c>). Runs only after a
/// connect failed, with short-lived connections of its own.
/// </summary>
internal static class RedisConnectCheck
{
    public static async Task<RedisConnectProblem?> RunAsync(ConfigurationOptions options, TimeSpan timeout)
    {
        var service = options.ServiceName;
        if (string.IsNullOrEmpty(service))
        {
            return await NodesAsync(Step(options, null), $"Redis at {Describe(options)}", "user/password", timeout).ConfigureAwait(false);
        }

        var sentinelList = Describe(options);
        // SentinelPassword falls back to Password when not set; the configuration string tells whether it was.
        var sentinelCredentials = options.SentinelUser is null && !options.ToString(includePassword: false).Contains("sentinelPassword=", StringComparison.OrdinalIgnoreCase)
            ? "user/password, as no sentinelUser/sentinelPassword is set"
            : "sentinelUser/sentinelPassword";
        // SentinelConnectAsync authenticates with user/password: give it the sentinels' (as the library's own Sentinel connect does).
        var sentinels = Step(options, null);
        sentinels.User = options.SentinelUser ?? options.User;
        sentinels.Password = options.SentinelPassword ?? options.Password;
        ConnectionMultiplexer sentinel;
        try
        {
            sentinel = await ConnectionMultiplexer.SentinelConnectAsync(sentinels).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return IsAuthenticationFailure(ex)
                ? new RedisConnectProblem(true, $"the sentinels at {sentinelList} refused the credentials ({sentinelCredentials}): {Reason(ex)}")
                : new RedisConnectProblem(false, $"no sentinel at {sentinelList} answered: {Reason(ex)}");
        }

        await using (sentinel.ConfigureAwait(false))
        {
            if (!sentinel.IsConnected)
            {
                return new RedisConnectProblem(false, $"no sentinel at {sentinelList} answered");
            }

            EndPoint? master = null;
            foreach (var endpoint in sentinel.GetEndPoints())
            {
                try
                {
                    master = await sentinel.GetServer(endpoint).SentinelGetMasterAddressByNameAsync(service).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    if (IsAuthenticationFailure(ex))
                    {
                        return new RedisConnectProblem(true, $"the sentinel at {endpoint} refused the credentials ({sentinelCredentials}): {Reason(ex)}");
                    }
                }

                if (master is not null)
                {
                    break;
                }
            }

            if (master is null)
            {
                return new RedisConnectProblem(false, $"the sentinels at {sentinelList} do not know the service '{service}' (SENTINEL get-master-addr-by-name)");
            }

            return await NodesAsync(Step(options, master), $"the master {Format(master)} of Sentinel service '{service}'", "user/password", timeout).ConfigureAwait(false);
        }
    }

    /// <summary>True when Redis refused the user or password (WRONGPASS, NOAUTH, a disabled user).</summary>
    public static bool IsAuthenticationFailure(Exception ex)
    {
        // The library reports a failed TLS handshake (untrusted certificate) as an "authentication failure" too: that is
        // an unreachable server for the caller, not refused credentials.
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException)
            {
                return false;
            }
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }
                || e.Message.Contains("WRONGPASS", StringComparison.Ordinal) || e.Message.Contains("NOAUTH", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Redis's own words (WRONGPASS ...) when there are some, else the library's first sentence.</summary>
    public static string Reason(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is RedisServerException)
            {
                return e.Message.Replace("SimpleError: ", string.Empty, StringComparison.Ordinal).Trim().TrimEnd('.');
            }
        }

        var message = ex.Message;
        var end = message.IndexOfAny(['\r', '\n', ';']);
        return (end < 0 ? message : message[..end]).Trim();
    }

    private static async Task<RedisConnectProblem?> NodesAsync(ConfigurationOptions options, string what, string credentials, TimeSpan timeout)
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            return connection.IsConnected ? null : new RedisConnectProblem(false, $"{what} does not answer");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return IsAuthenticationFailure(ex)
                ? new RedisConnectProblem(true, $"{what} refused the credentials ({credentials}): {Reason(ex)}")
                : new RedisConnectProblem(false, $"{what} does not answer: {Reason(ex)} (connect timeout {timeout.TotalSeconds:0.#} s)");
        }
    }

    /// <summary>A one-step copy: the configured endpoints (the sentinels) or just <paramref name="master"/>, failing fast.</summary>
    private static ConfigurationOptions Step(ConfigurationOptions options, EndPoint? master)
    {
        var step = options.Clone();
        if (master is not null)
        {
            step.ServiceName = null;
            step.EndPoints.Clear();
            step.EndPoints.Add(master);
        }

        step.AbortOnConnectFail = true;
        step.ConnectRetry = 1;
        return step;
    }

    private static string Describe(ConfigurationOptions options) => string.Join(",", options.EndPoints.Select(Format));

    private static string Format(EndPoint endpoint) => endpoint is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString() ?? "?";
}

/// <summary>Why a connect failed: <paramref name="CredentialsRefused"/> for a refused user or password (a configuration error), else unreachable.</summary>
public sealed record RedisConnectProblem(bool CredentialsRefused, string Message);

/// <summary>Redis (or its sentinels) refused the configured user or password: a configuration error, not an outage.</summary>
public sealed class RedisCredentialsRefusedException(string message, Exception? inner = null) : Exception(message, inner);
