using System.Text.Json.Nodes;

namespace Entrance.Syncer.Tests.Fakes;

/// <summary>Kubernetes objects as JSON, the way kubectl would send them.</summary>
public static class Objects
{
    public static JsonObject Service(string ns, string name, string? hosts, Dictionary<string, string>? annotations = null, params (string? Name, int Port)[] ports)
    {
        var ann = new JsonObject();
        if (hosts is not null)
        {
            ann["entrance.io/hosts"] = hosts;
        }

        foreach (var (k, v) in annotations ?? [])
        {
            ann[k] = v;
        }

        var portArray = new JsonArray();
        foreach (var (portName, port) in ports.Length == 0 ? [("http", 80)] : ports)
        {
            var p = new JsonObject { ["port"] = port, ["protocol"] = "TCP", ["targetPort"] = port };
            if (portName is not null)
            {
                p["name"] = portName;
            }

            portArray.Add(p);
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["annotations"] = ann },
            ["spec"] = new JsonObject { ["type"] = "ClusterIP", ["ports"] = portArray },
        };
    }

    public sealed record Ep(string Address, bool? Ready = true, bool? Terminating = null);

    public static JsonObject Slice(string ns, string name, string service, string? portName, int port, params Ep[] endpoints) =>
        Slice(ns, name, service, "IPv4", [(portName, port)], endpoints);

    public static JsonObject Slice(string ns, string name, string service, string addressType, (string? Name, int Port)[] ports, params Ep[] endpoints)
    {
        var eps = new JsonArray();
        foreach (var e in endpoints)
        {
            var conditions = new JsonObject();
            if (e.Ready is { } r)
            {
                conditions["ready"] = r;
            }

            if (e.Terminating is { } t)
            {
                conditions["terminating"] = t;
            }

            eps.Add(new JsonObject { ["addresses"] = new JsonArray(e.Address), ["conditions"] = conditions });
        }

        var portArray = new JsonArray();
        foreach (var (portName, port) in ports)
        {
            var p = new JsonObject { ["port"] = port, ["protocol"] = "TCP" };
            if (portName is not null)
            {
                p["name"] = portName;
            }

            portArray.Add(p);
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service },
            },
            ["addressType"] = addressType,
            ["endpoints"] = eps,
            ["ports"] = portArray,
        };
    }

    public sealed record Rule(string? Host, string Service, object Port, string Path = "/", string PathType = "Prefix");

    public static JsonObject Ingress(string ns, string name, string? ingressClass, params Rule[] rules)
    {
        var ruleArray = new JsonArray();
        foreach (var r in rules)
        {
            var port = r.Port is int n ? new JsonObject { ["number"] = n } : new JsonObject { ["name"] = (string)r.Port };
            var rule = new JsonObject
            {
                ["http"] = new JsonObject
                {
                    ["paths"] = new JsonArray(new JsonObject
                    {
                        ["path"] = r.Path,
                        ["pathType"] = r.PathType,
                        ["backend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = r.Service, ["port"] = port } },
                    }),
                },
            };
            if (r.Host is not null)
            {
                rule["host"] = r.Host;
            }

            ruleArray.Add(rule);
        }

        var spec = new JsonObject { ["rules"] = ruleArray };
        if (ingressClass is not null)
        {
            spec["ingressClassName"] = ingressClass;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns }, ["spec"] = spec };
    }
}
