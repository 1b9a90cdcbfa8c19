using Entrance.Core.Store;
using Microsoft.Extensions.Options;

namespace Entrance.Router.Configuration;

/// <summary>Checks <c>Entrance:Redis</c> at start, with the parser's own reason, rather than when Redis is first used.</summary>
internal sealed class RedisSettingValidation : IValidateOptions<EntranceOptions>
{
    public ValidateOptionsResult Validate(string? name, EntranceOptions options) =>
        RedisConnection.Problem(options.Redis, options.RedisClient) is { } problem
            ? ValidateOptionsResult.Fail($"{EntranceOptions.Section}:{nameof(EntranceOptions.Redis)}: {problem}")
            : options.RedisReadFrom is not ("master" or "replica")
                ? ValidateOptionsResult.Fail($"{EntranceOptions.Section}:{nameof(EntranceOptions.RedisReadFrom)}: '{options.RedisReadFrom}' is not master or replica")
                : ValidateOptionsResult.Success;
}
