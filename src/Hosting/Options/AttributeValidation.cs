using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Entrance.Hosting.Options;

/// <summary>
/// DataAnnotations attributes checked with their own messages only (ASP.NET's ValidateDataAnnotations wraps each in
/// "DataAnnotation validation failed for … members: …", too long for the one line an operator reads).
/// </summary>
public sealed class AttributeValidation<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(r => r.ErrorMessage ?? string.Join(", ", r.MemberNames) + " is not valid"));
    }
}
