using Entrance.Cli.Apply;
using Entrance.Cli.Input;

namespace Entrance.Cli.Tests.Apply;

public class ApplyFileTests
{
    [Fact]
    public void Parse_YamlFile_ReadsHostsBackendsAndLb()
    {
        var entries = ApplyFile.Parse("""
            hosts:
              - host: Shop.Example.com
                backends: ["http://10.0.0.5:8080", "http://10.0.0.6:8080"]
                lb: round-robin
              - host: "*.apps.example.com"
                backends:
                  - https://10.0.0.7
              - host: "*"
                backends: []
            """, "routes.yaml");

        Assert.Equal(["shop.example.com", "*.apps.example.com", "*"], entries.Select(e => e.Host));
        Assert.Equal(["http://10.0.0.5:8080", "http://10.0.0.6:8080"], entries[0].Backends);
        Assert.Equal("round-robin", entries[0].Lb);
        Assert.Null(entries[1].Lb);
        Assert.Equal(5, entries[1].Line);
        Assert.Empty(entries[2].Backends);
    }

    [Fact]
    public void Parse_JsonFile_SameShape()
    {
        var entries = ApplyFile.Parse("""{"hosts": [{"host": "a.example.com", "backends": ["http://1.2.3.4:80"], "lb": "p2c"}]}""", "routes.json");

        Assert.Equal("a.example.com", Assert.Single(entries).Host);
        Assert.Equal("p2c", entries[0].Lb);
    }

    [Fact]
    public void Parse_H2cBackend_Accepted()
    {
        var entries = ApplyFile.Parse("hosts: [{host: grpc.example.com, backends: [\"h2c://10.0.0.5:50051\", \"http://10.0.0.6:80\"]}]\n", "f.yaml");

        Assert.Equal(["h2c://10.0.0.5:50051", "http://10.0.0.6:80"], Assert.Single(entries).Backends);
    }

    [Fact]
    public void Parse_EmptyHostsList_NoEntries()
    {
        Assert.Empty(ApplyFile.Parse("hosts: []\n", "f.yaml"));
        Assert.Empty(ApplyFile.Parse("hosts:\n", "f.yaml"));
    }

    [Theory]
    [InlineData("hosts:\n  - host: a.com\n    backends: [http://1:80\n", "f.yaml:4:1: invalid YAML")]
    [InlineData("hosts:\n  - host: a.com\n\tbackends: []\n", "f.yaml:2:11: invalid YAML")]
    [InlineData("hosts:\n  - host: *.a.com\n    backends: []\n", "f.yaml:2:11: invalid YAML: *.a.com is read as a YAML alias; quote wildcard names")]
    public void Parse_YamlSyntaxError_ReportsFileLineAndColumn(string text, string expected)
    {
        var ex = Assert.Throws<CliInputException>(() => ApplyFile.Parse(text, "f.yaml"));

        Assert.StartsWith(expected, Assert.Single(ex.Errors));
    }

    [Fact]
    public void Parse_JsonSyntaxError_ReportsFileLineAndColumn()
    {
        var ex = Assert.Throws<CliInputException>(() => ApplyFile.Parse("{\n  \"hosts\": [\n    {\"host\": \"a.com\" \"backends\": []}\n  ]\n}", "f.json"));

        Assert.StartsWith("f.json:3:22: invalid JSON", Assert.Single(ex.Errors));
    }

    [Fact]
    public void Parse_EveryBadEntry_AllErrorsWithPositions()
    {
        var ex = Assert.Throws<CliInputException>(() => ApplyFile.Parse("""
            hosts:
              - host: a b.example.com
                backends: [http://1:80]
              - host: a..example.com
                backends: [http://1:80]
              - host: a.*.example.com
                backends: [http://1:80]
              - host: ok.example.com
                backends: [ftp://1, "10.0.0.5:80", "http://"]
                lb: fastest
              - host: ok.example.com
                backends: [http://1:80]
              - host: typo.example.com
                backend: [http://1:80]
              - backends: [http://1:80]
            """, "f.yaml"));

        var errors = string.Join('\n', ex.Errors);
        Assert.Contains("f.yaml:2:11: invalid host \"a b.example.com\": host contains white space", errors);
        Assert.Contains("f.yaml:4:11: invalid host \"a..example.com\"", errors);
        Assert.Contains("f.yaml:6:11: invalid host \"a.*.example.com\": a wildcard", errors);
        Assert.Contains("f.yaml:9:16: invalid backend URL \"ftp://1\"", errors);
        Assert.Contains("invalid backend URL \"10.0.0.5:80\"", errors);
        Assert.Contains("invalid backend URL \"http://\"", errors);
        Assert.Contains("f.yaml:10:9: invalid lb policy \"fastest\"", errors);
        Assert.Contains("f.yaml:11:5: duplicate host ok.example.com (first listed at line 8)", errors);
        Assert.Contains("f.yaml:14:5: unknown key 'backend'", errors);
        Assert.Contains("f.yaml:15:5: entry without 'host'", errors);
    }

    [Fact]
    public void Parse_TooLongHost_Refused()
    {
        var host = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".com"; // 259 characters

        var ex = Assert.Throws<CliInputException>(() => ApplyFile.Parse($"hosts:\n  - host: {host}\n    backends: []\n", "f.yaml"));

        Assert.Contains("longer than 253", Assert.Single(ex.Errors));
    }

    [Theory]
    [InlineData("routes: []\n", "unknown key 'routes'")]
    [InlineData("- host: a.com\n", "expected a mapping with a 'hosts:' list")]
    [InlineData("hosts: a.com\n", "'hosts' must be a list")]
    [InlineData("hosts:\n  - host: a.com\n    backends: http://1:80\n", "'backends' must be a list")]
    [InlineData("hosts:\n  - host: a.com\n", "a.com has no 'backends' list")]
    [InlineData("", "expected a mapping")]
    [InlineData("hosts: \"\"\n", "'hosts' must be a list")]
    [InlineData("hosts: []\n---\nhosts: []\n", "f.yaml:2:1: only one document is allowed")]
    [InlineData("hosts:\n  - host: [a.com]\n    backends: []\n", "f.yaml:2:11: 'host' must be a single value")]
    [InlineData("hosts:\n  - a.com\n", "f.yaml:2:5: each entry of 'hosts' must be a mapping")]
    public void Parse_WrongShape_Refused(string text, string expected)
    {
        var ex = Assert.Throws<CliInputException>(() => ApplyFile.Parse(text, "f.yaml"));

        Assert.Contains(expected, string.Join('\n', ex.Errors));
    }
}
