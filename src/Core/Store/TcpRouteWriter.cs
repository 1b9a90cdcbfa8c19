using System.Globalization;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>A TCP route as a writer wants it: exactly these <c>host:port</c> backends and settings (an empty value deletes a setting).</summary>
public sealed record TcpRouteSpec(int Port, IReadOnlyCollection<string> Backends, IReadOnlyDictionary<string, string> Settings);

/// <summary>What a whole-route write did; <see cref="Conflict"/> names the current owner (<c>manual</c> for hand-written) when nothing was written.</summary>
public sealed record TcpWriteResult(int Port, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, int SettingsChanged, string? Conflict)
{
    public bool Changed => Added.Count > 0 || Removed.Count > 0 || SettingsChanged > 0;
}

/// <summary>What a person's edit did: the backends added (or removed), settings changed, and how many backends are left.</summary>
public sealed record TcpEditResult(IReadOnlyList<string> Backends, int SettingsChanged, int BackendsLeft);

/// <summary>A backend's dead mark on a TCP route, until <see cref="ExpiresAtUnixMs"/>.</summary>
public readonly record struct TcpDeadMark(string Backend, long ExpiresAtUnixMs);

/// <summary>Everything stored for one TCP route, for <c>tcp list</c>, <c>tcp show</c> and <c>export</c>.</summary>
public sealed record TcpRouteView(int Port, IReadOnlyList<string> Backends, IReadOnlyDictionary<string, string> Settings, IReadOnlyList<TcpDeadMark> Dead, string? Owner);

/// <summary>
/// The write side of TCP routes (<c>entrance:tcp:&lt;port&gt;</c> and its settings, dead marks and ownership), shared by
/// the CLI, apply files and the Syncer. Each write is one Lua script that publishes <c>entrance:changed tcp:&lt;port&gt;</c>
/// when it changed anything. Input is checked by <see cref="TcpRouteRules"/> first: invalid input throws and writes nothing.
/// </summary>
public sealed class TcpRouteWriter(RedisConnection redis)
{
    /// <summary>Sets a route to exactly <paramref name="spec"/>, owned by <paramref name="owner"/> (see <see cref="OwnershipMode"/>).</summary>
    public async Task<TcpWriteResult> ApplyAsync(TcpRouteSpec spec, string owner, OwnershipMode mode)
    {
        Validate(spec);
        var keys = redis.Keys;
        var args = new List<RedisValue> { Port(spec.Port), owner, mode == OwnershipMode.OwnedOnly ? "owned-only" : "claim" };
        AddSettings(args, spec.Settings);
        args.AddRange(spec.Backends.Select(b => (RedisValue)b));
        args.Add(keys.ChangedChannel);
        RedisKey[] k = [keys.TcpBackends(spec.Port), keys.TcpSettings(spec.Port), keys.TcpDead(spec.Port), keys.TcpOwnersOf(spec.Port)];
        var result = (RedisResult[])(await RedisScript.ApplyTcp.EvaluateAsync(redis.Db, k, args.ToArray()).ConfigureAwait(false))!;
        var status = (string)result[0]!;
        if (status != "ok")
        {
            return new TcpWriteResult(spec.Port, [], [], 0, status["conflict:".Length..]);
        }

        var parts = Split(result.Skip(1).Select(r => (string)r!).ToList());
        return new TcpWriteResult(spec.Port, parts[0], parts[1], int.Parse(parts[2][0], CultureInfo.InvariantCulture), null);
    }

    /// <summary>Adds backends and sets settings (a person's <c>tcp add</c>; ownership untouched).</summary>
    public Task<TcpEditResult> AddAsync(int port, IReadOnlyCollection<string> backends, IReadOnlyDictionary<string, string> settings) =>
        EditAsync(port, "add", backends, settings);

    /// <summary>Removes some backends and their dead marks (a person's <c>tcp remove &lt;port&gt; &lt;backend&gt;...</c>).</summary>
    public Task<TcpEditResult> RemoveBackendsAsync(int port, IReadOnlyCollection<string> backends) =>
        EditAsync(port, "remove", backends, new Dictionary<string, string>());

    /// <summary>Removes a route whole; with <paramref name="requiredOwner"/>, only when that writer owns it.</summary>
    public async Task<RemoveResult> RemoveAsync(int port, string? requiredOwner = null)
    {
        Validate(new TcpRouteSpec(port, [], new Dictionary<string, string>()));
        var keys = redis.Keys;
        RedisKey[] k = [keys.TcpBackends(port), keys.TcpSettings(port), keys.TcpDead(port), keys.TcpOwnersOf(port)];
        var status = (string)(await RedisScript.RemoveTcp.EvaluateAsync(redis.Db, k, [Port(port), requiredOwner ?? string.Empty, keys.ChangedChannel]).ConfigureAwait(false))!;
        return RemoveResult.FromScript(status);
    }

    /// <summary>Every port with a TCP route (backends or settings), found by SCAN, ascending.</summary>
    public async Task<IReadOnlyList<int>> PortsAsync()
    {
        var ports = new SortedSet<int>();
        foreach (var part in new[] { Schema.RedisKeys.TcpBackendsPart, Schema.RedisKeys.TcpSettingsPart })
        {
            await foreach (var name in KeyScan.RouteNamesAsync(redis, part).ConfigureAwait(false))
            {
                if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
                {
                    ports.Add(port);
                }
            }
        }

        return ports.ToList();
    }

    /// <summary>One route as stored, or null when nothing is stored for the port.</summary>
    public async Task<TcpRouteView?> ShowAsync(int port)
    {
        var keys = redis.Keys;
        var batch = redis.Db.CreateBatch();
        var backends = batch.SetMembersAsync(keys.TcpBackends(port));
        var settings = batch.HashGetAllAsync(keys.TcpSettings(port));
        var dead = batch.SortedSetRangeByRankWithScoresAsync(keys.TcpDead(port));
        var owner = batch.HashGetAsync(keys.TcpOwnersOf(port), Port(port));
        batch.Execute();
        await Task.WhenAll(backends, settings, dead, owner).ConfigureAwait(false);
        if (backends.Result.Length == 0 && settings.Result.Length == 0)
        {
            return null;
        }

        return new TcpRouteView(
            port,
            backends.Result.Select(b => (string)b!).Order(StringComparer.Ordinal).ToList(),
            settings.Result.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal),
            dead.Result.Select(e => new TcpDeadMark((string)e.Element!, (long)e.Score)).ToList(),
            owner.Result.IsNull ? null : (string)owner.Result!);
    }

    /// <summary>Every owned port with its owner.</summary>
    public async Task<IReadOnlyDictionary<int, string>> OwnersAsync()
    {
        var entries = await ClusterOwners.AllAsync(redis, redis.Keys.TcpOwners, Schema.RedisKeys.TcpOwnersPart).ConfigureAwait(false);
        var owners = new Dictionary<int, string>();
        foreach (var (name, owner) in entries)
        {
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                owners[port] = owner;
            }
        }

        return owners;
    }

    private async Task<TcpEditResult> EditAsync(int port, string op, IReadOnlyCollection<string> backends, IReadOnlyDictionary<string, string> settings)
    {
        Validate(new TcpRouteSpec(port, backends, settings));
        var keys = redis.Keys;
        var args = new List<RedisValue> { Port(port), op };
        AddSettings(args, settings);
        args.AddRange(backends.Select(b => (RedisValue)b));
        args.Add(keys.ChangedChannel);
        RedisKey[] k = [keys.TcpBackends(port), keys.TcpSettings(port), keys.TcpDead(port)];
        var result = (RedisResult[])(await RedisScript.EditTcp.EvaluateAsync(redis.Db, k, args.ToArray()).ConfigureAwait(false))!;
        var parts = Split(result.Select(r => (string)r!).ToList());
        return new TcpEditResult(parts[0], int.Parse(parts[1][0], CultureInfo.InvariantCulture), int.Parse(parts[1][1], CultureInfo.InvariantCulture));
    }

    private static void Validate(TcpRouteSpec spec)
    {
        var errors = TcpRouteRules.Check(spec);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }
    }

    private static void AddSettings(List<RedisValue> args, IReadOnlyDictionary<string, string> settings)
    {
        args.Add(settings.Count);
        foreach (var (field, value) in settings)
        {
            args.Add(field);
            args.Add(value);
        }
    }

    /// <summary>Script replies are lists separated by <c>|</c>.</summary>
    private static List<List<string>> Split(List<string> values)
    {
        var parts = new List<List<string>> { new() };
        foreach (var v in values)
        {
            if (v == "|")
            {
                parts.Add([]);
            }
            else
            {
                parts[^1].Add(v);
            }
        }

        return parts;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
