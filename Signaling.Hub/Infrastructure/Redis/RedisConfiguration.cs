using System.Globalization;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Reads <c>Signaling:Redis:ConnectionString</c> in either form operators bring: StackExchange.Redis's
/// own (<c>host:port,password=…</c>) or the URL that hosted Redis services and other signaling
/// servers hand out (<c>redis://[user:password@]host:port[/db]</c>, <c>rediss://</c> for TLS).
/// </summary>
public static class RedisConfiguration
{
    /// <summary>The parsed options; <see cref="FormatException"/> with a reason when the value cannot be used.</summary>
    public static ConfigurationOptions Parse(string value)
    {
        var trimmed = value.Trim();
        var options = trimmed.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase)
            ? FromUrl(trimmed)
            : FromConfigurationString(trimmed);
        if (options.EndPoints.Count == 0)
        {
            throw new FormatException("it names no host");
        }

        return options;
    }

    private static ConfigurationOptions FromConfigurationString(string value)
    {
        try
        {
            return ConfigurationOptions.Parse(value);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
    }

    private static ConfigurationOptions FromUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host))
        {
            throw new FormatException("it is not a valid URL");
        }

        var options = new ConfigurationOptions { Ssl = url.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
        options.EndPoints.Add(url.Host.Trim('[', ']'), url.IsDefaultPort ? 6379 : url.Port);
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
            // redis://secret@host is the password alone, as redis-cli reads it.
            if (password is null)
            {
                (user, password) = ("", user);
            }

            options.User = user.Length > 0 ? user : null;
            options.Password = password;
        }

        var path = url.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var database))
            {
                throw new FormatException($"'/{path}' is not a database number");
            }

            options.DefaultDatabase = database;
        }

        return options;
    }
}
