using Entrance.Hosting.Startup;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Entrance.Hosting.Tests.Startup;

public class ProgramRunnerTests
{
    [Fact]
    public async Task RunAsync_BuildRejectsSetting_OneLineWithProgramNameAndExitTwo()
    {
        var error = new StringWriter();

        var code = await ProgramRunner.RunAsync("entrance-test", () => throw new OptionsValidationException("X", typeof(object), ["X must be set"]), error);

        Assert.Equal(2, code);
        Assert.Equal("entrance-test: configuration error: X must be set" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task RunAsync_StartFailsOnValidateOnStart_OneLineAndExitTwo()
    {
        var error = new StringWriter();

        var code = await ProgramRunner.RunAsync("entrance-test", () =>
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddOptions<TestOptions>().Validate(o => o.Size > 0, "Test:Size must be positive").ValidateOnStart();
            return builder.Build();
        }, error);

        Assert.Equal(2, code);
        Assert.Equal("entrance-test: configuration error: Test:Size must be positive" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task RunAsync_Bug_ExceptionPropagatesWithItsStackTrace()
    {
        await Assert.ThrowsAsync<NullReferenceException>(() => ProgramRunner.RunAsync("entrance-test", () => throw new NullReferenceException(), new StringWriter()));
    }

    private sealed class TestOptions
    {
        public int Size { get; set; }
    }
}
