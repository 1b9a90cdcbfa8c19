using System.ComponentModel.DataAnnotations;
using Entrance.Hosting.Options;
using Entrance.Hosting.Startup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Entrance.Hosting.Tests.Options;

public class ValidatedOptionsTests
{
    public sealed class SampleOptions
    {
        [Range(1, 10, ErrorMessage = "Sample:Count must be between 1 and 10")]
        public int Count { get; set; } = 1;
    }

    private static IHost Build(params string[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1])));
        builder.Services.AddValidatedOptions<SampleOptions>(builder.Configuration.GetSection("Sample"));
        return builder.Build();
    }

    [Fact]
    public async Task StartAsync_AttributeViolated_ConfigurationFailureBeforeFirstUse()
    {
        using var host = Build("Sample:Count=11");

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal("configuration error: Sample:Count must be between 1 and 10", StartupFailure.From(e)!.Message);
    }

    [Fact]
    public async Task StartAsync_GoodSetting_BoundValue()
    {
        using var host = Build("Sample:Count=7");

        await host.StartAsync();

        Assert.Equal(7, host.Services.GetRequiredService<IOptions<SampleOptions>>().Value.Count);
        await host.StopAsync();
    }
}
