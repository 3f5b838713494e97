using Microsoft.Extensions.Options;

namespace Signaling.Hub.Common;

/// <summary>
/// A list setting also takes one comma-separated value (<c>Signaling__Ice__TurnUrls=turn:a:3478,turns:b:5349</c>),
/// the way environment variables and command lines give lists. The binder alone reads only indexed
/// entries (<c>TurnUrls__0</c>) and drops a plain value without a word.
/// </summary>
public static class ListSetting
{
    /// <summary>
    /// Sets the list from the plain value at <paramref name="key"/> when there is one; it replaces
    /// indexed entries. An empty value is an empty list, unless indexed entries exist: a host that
    /// flattens configuration into <c>--key=value</c> arguments (WebApplicationFactory does) passes
    /// every parent key with an empty value.
    /// </summary>
    public static OptionsBuilder<T> BindCommaSeparated<T>(this OptionsBuilder<T> options, string key, Action<T, string[]> set) where T : class =>
        options.PostConfigure<IConfiguration>((o, configuration) =>
        {
            var section = configuration.GetSection(key);
            if (section.Value is { } value && (value.Length > 0 || !section.GetChildren().Any()))
            {
                set(o, value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            }
        });
}
