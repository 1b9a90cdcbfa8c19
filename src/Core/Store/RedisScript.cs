using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Entrance.Core.Store;

/// <summary>A Lua script from <c>redis/</c>, embedded in Core, run by EVALSHA with an EVAL fallback after a SCRIPT FLUSH or restart.</summary>
internal sealed class RedisScript
{
    public static readonly RedisScript Resolve = Load("resolve");
    public static readonly RedisScript ApplyHost = Load("apply-host");
    public static readonly RedisScript RemoveHost = Load("remove-host");
    public static readonly RedisScript MarkDead = Load("mark-dead");
    public static readonly RedisScript AddBackends = Load("add-backends");
    public static readonly RedisScript RemoveBackends = Load("remove-backends");
    public static readonly RedisScript SetSettings = Load("set-settings");
    public static readonly RedisScript ClearDead = Load("clear-dead");
    public static readonly RedisScript MigrateFrontend = Load("migrate-frontend");
    public static readonly RedisScript PutCertificate = Load("put-cert");
    public static readonly RedisScript RemoveCertificate = Load("remove-cert");
    public static readonly RedisScript ExpireRegistrations = Load("expire-registrations");
    public static readonly RedisScript FleetLease = Load("fleet-lease");
    public static readonly RedisScript ApplyTcp = Load("apply-tcp");
    public static readonly RedisScript EditTcp = Load("edit-tcp");
    public static readonly RedisScript RemoveTcp = Load("remove-tcp");

    private static readonly RedisScript[] All = [Resolve, ApplyHost, RemoveHost, MarkDead, AddBackends, RemoveBackends, SetSettings, ClearDead, MigrateFrontend, PutCertificate, RemoveCertificate];

    private static bool _noReadOnlyForm;

    private RedisScript(string text, string name = "")
    {
        Name = name;
        Text = text;
        Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public string Name { get; }

    public string Text { get; }

    public byte[] Sha1 { get; }

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(Sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // EVAL loads the script into the server's cache; the next call goes back to EVALSHA.
            return await db.ScriptEvaluateAsync(Text, keys, args).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// EVALSHA_RO (Redis 7+; EVALSHA before): the form a replica runs, so lookups can go to one, and the one an ACL user
    /// with read-only key rights (<c>%R~</c>) may run, since EVALSHA counts its keys as written.
    /// </summary>
    public async Task<RedisResult> EvaluateReadOnlyAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args, CommandFlags flags)
    {
        if (Volatile.Read(ref _noReadOnlyForm))
        {
            return await EvaluateAsync(db, keys, args).ConfigureAwait(false);
        }

        try
        {
            try
            {
                return await db.ScriptEvaluateReadOnlyAsync(Sha1, keys, args, flags).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                return await db.ScriptEvaluateReadOnlyAsync(Text, keys, args, flags).ConfigureAwait(false);
            }
        }
        catch (RedisServerException ex) when (ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
        {
            Volatile.Write(ref _noReadOnlyForm, true); // Redis 6: no EVALSHA_RO, and no replica reads either
            return await EvaluateAsync(db, keys, args).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Redis 7 reports an ACL refusal inside a script without the command ("The user executing the script can't run this
    /// command ... script: &lt;sha&gt;, on @user_script:21"): find the script and line, and name the command it calls.
    /// </summary>
    public static string? RefusedCall(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, "script: ([0-9a-f]{40}), on @user_script:([0-9]+)");
        if (!match.Success)
        {
            return null;
        }

        var script = All.FirstOrDefault(s => Convert.ToHexStringLower(s.Sha1) == match.Groups[1].Value);
        var lines = script?.Text.Split('\n');
        var number = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (lines is null || number < 1 || number > lines.Length)
        {
            return null;
        }

        var call = System.Text.RegularExpressions.Regex.Match(lines[number - 1], @"redis\.p?call\(['""]([A-Za-z_|]+)");
        return call.Success ? $"{call.Groups[1].Value.ToUpperInvariant()} (called by {script!.Name}.lua, line {number})" : null;
    }

    private static RedisScript Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Entrance.Core.{name}.lua")
            ?? throw new InvalidOperationException($"{name}.lua is not embedded");
        using var reader = new StreamReader(stream);
        return new RedisScript(reader.ReadToEnd(), name);
    }
}
