using Microsoft.Extensions.Options;

namespace Signaling.Hub.Common;

/// <summary>An options check written as a function returning the message (naming the key) or null when valid.</summary>
public sealed class OptionsRule<T>(Func<T, string?> check) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options) =>
        check(options) is { } failure ? ValidateOptionsResult.Fail(failure) : ValidateOptionsResult.Success;
}
