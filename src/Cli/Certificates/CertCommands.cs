using System.CommandLine;
using Entrance.Cli.Input;
using Entrance.Cli.Output;
using Entrance.Core.Store;

namespace Entrance.Cli.Certificates;

/// <summary><c>entrance cert add|list|show|remove</c>: TLS certificates routers pick per handshake by SNI (entrance:cert:&lt;name&gt;).</summary>
internal static class CertCommands
{
    /// <summary>The owner recorded for certificates the CLI writes, so the Syncer never overwrites them.</summary>
    public const string Owner = "cli";

    public static Command Create(CommandFactory factory)
    {
        var cert = new Command("cert", """
            Add, list, inspect and remove the TLS certificates routers serve: a handshake for a name gets the certificate
            stored under that exact name, else under *.<parent> (one label), else the router's default certificate.
            """);
        cert.Subcommands.Add(Add(factory));
        cert.Subcommands.Add(List(factory));
        cert.Subcommands.Add(Show(factory));
        cert.Subcommands.Add(Remove(factory));
        return cert;
    }

    private static Command Add(CommandFactory factory)
    {
        var name = new Argument<string>("name") { Description = "The name handshakes ask for (SNI): shop.example.com or *.example.com" };
        var certFile = new Option<string>("--cert") { Description = "PEM chain file: the leaf first, then intermediates", Required = true, HelpName = "chain.pem" };
        var keyFile = new Option<string>("--key") { Description = "PEM private key file (PKCS#8, RSA or EC)", Required = true, HelpName = "key.pem" };
        var force = new Option<bool>("--force") { Description = "Replace a certificate another writer (the Syncer) manages; it may write it back" };
        var command = new Command("add", """
            Store a certificate for a name; refused (exit 2, nothing written) when the PEM does not parse, the key does not
            match, the certificate is expired or not yet valid, or does not cover the name. Publishes entrance:changed cert:<name>.

            Examples:
              entrance cert add shop.example.com --cert shop.pem --key shop.key
              entrance cert add '*.apps.example.com' --cert apps.pem --key apps.key
            """) { name, certFile, keyFile, force };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var certName = CertificateInput.Name(parse.GetValue(name));
            var chain = CertificateInput.ReadFile(parse.GetValue(certFile)!, "certificate");
            var key = CertificateInput.ReadFile(parse.GetValue(keyFile)!, "key");
            var now = DateTimeOffset.UtcNow;
            using var loaded = CertificateInput.Validate(certName, chain, key, now);
            var redis = await ctx.RedisAsync();
            var result = await new CertificateWriter(redis).PutAsync(certName, chain, key, Owner,
                parse.GetValue(force) ? CertificateWriteMode.Force : CertificateWriteMode.Claim);
            if (result.Outcome == CertificateWriteOutcome.Conflict)
            {
                throw new CliInputException($"{certName}: the certificate is managed by '{result.Owner}'; nothing written (--force replaces it)");
            }

            var info = loaded.Info;
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { name = certName, changed = result.Outcome == CertificateWriteOutcome.Written, subject = info.Subject, dnsNames = info.DnsNames, notAfter = info.NotAfter, daysLeft = info.DaysLeft(now) });
            }
            else
            {
                ctx.Info(result.Outcome == CertificateWriteOutcome.Written
                    ? $"+ cert {certName}: {info.Subject}, not after {CertificateInput.Format(info.NotAfter)} ({info.DaysLeft(now)} days left)"
                    : $"{certName}: the same certificate is already stored, nothing changed");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandFactory factory)
    {
        var command = new Command("list", """
            List stored certificates: name, DNS names, not-after, days left, owner (found with SCAN).

            Examples:
              entrance cert list
              entrance cert list --output json | jq '.[] | select(.daysLeft < 14)'
            """);
        factory.SetHandler(command, async (ctx, _) =>
        {
            var redis = await ctx.RedisAsync();
            var writer = new CertificateWriter(redis);
            var now = DateTimeOffset.UtcNow;
            var views = (await writer.ReadAsync(await writer.ListNamesAsync())).Select(c => CertificateView.From(c, now)).ToList();
            if (ctx.DataFormat == OutputFormat.Json)
            {
                ctx.Json(views.Select(v => v.ToJson(now)).ToArray());
                return ExitCodes.Ok;
            }

            Tables.Write(ctx, ["NAME", "DNS NAMES", "NOT AFTER", "DAYS LEFT", "OWNER"], views.Select(v => new[]
            {
                v.Name,
                v.Info is null ? "-" : string.Join(',', v.Info.DnsNames),
                v.Info is null ? "-" : CertificateInput.Format(v.Info.NotAfter),
                v.Problem ?? v.Info!.DaysLeft(now).ToString(System.Globalization.CultureInfo.InvariantCulture),
                v.Owner,
            }));
            if (ctx.DataFormat == OutputFormat.Table && !ctx.Quiet)
            {
                ctx.Out.WriteLine($"{views.Count} certificate(s)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CommandFactory factory)
    {
        var name = new Argument<string>("name") { Description = "Certificate name, as stored (shop.example.com, *.example.com)" };
        var command = new Command("show", """
            Show a stored certificate: subject, DNS names, issuer, validity, thumbprint, owner.

            Examples:
              entrance cert show shop.example.com
            """) { name };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var certName = CertificateInput.Name(parse.GetValue(name));
            var stored = await new CertificateWriter(await ctx.RedisAsync()).GetAsync(certName);
            var now = DateTimeOffset.UtcNow;
            if (stored is null)
            {
                if (ctx.DataFormat == OutputFormat.Json)
                {
                    ctx.Json(new { name = certName, found = false });
                }
                else
                {
                    ctx.Out.WriteLine($"{certName}: no certificate stored under this name");
                }

                return ExitCodes.Ok;
            }

            var view = CertificateView.From(stored, now);
            if (ctx.DataFormat == OutputFormat.Json)
            {
                ctx.Json(view.ToJson(now));
                return ExitCodes.Ok;
            }

            var rows = new List<string[]> { new[] { "name", view.Name }, new[] { "owner", view.Owner } };
            if (view.Info is { } info)
            {
                rows.Add(["subject", info.Subject]);
                rows.Add(["dns names", string.Join(", ", info.DnsNames)]);
                rows.Add(["issuer", view.Issuer ?? "-"]);
                rows.Add(["not before", CertificateInput.Format(info.NotBefore)]);
                rows.Add(["not after", $"{CertificateInput.Format(info.NotAfter)} ({info.DaysLeft(now)} days left)"]);
                rows.Add(["thumbprint", info.Thumbprint]);
                rows.Add(["intermediates", view.Intermediates.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            if (view.Problem is not null)
            {
                rows.Add(["problem", view.Problem + " (routers serve their default certificate instead)"]);
            }

            Tables.WriteFields(ctx, rows);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CommandFactory factory)
    {
        var name = new Argument<string>("name") { Description = "Certificate name, as stored" };
        var command = new Command("remove", """
            Remove a certificate (its chain, key and ownership); handshakes for the name fall back to the wildcard or the
            router's default certificate. Publishes entrance:changed cert:<name>. A name with nothing stored is not an error.

            Examples:
              entrance cert remove shop.example.com
            """) { name };
        factory.SetHandler(command, async (ctx, parse) =>
        {
            var certName = CertificateInput.Name(parse.GetValue(name));
            var redis = await ctx.RedisAsync();
            var owner = (await new CertificateWriter(redis).GetAsync(certName))?.Owner;
            var removal = await new CertificateWriter(redis).RemoveAsync(certName, requiredOwner: null);
            var removed = removal.Outcome == RemoveOutcome.Removed;
            if (ctx.ReportFormat == OutputFormat.Json)
            {
                ctx.Json(new { name = certName, removed });
            }
            else
            {
                ctx.Info(removed ? $"- cert {certName}: removed" : $"{certName}: no such certificate, nothing removed");
            }

            if (removed && owner is not null && owner != Owner)
            {
                ctx.Warn($"{certName} was managed by '{owner}'; it may write it back");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
