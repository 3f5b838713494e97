using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.Extensions.Options;

namespace Signaling.Hub.Security;

/// <summary>Configuration section <c>Signaling:Jwt</c>.</summary>
public sealed class JwtOptions
{
    public const string Section = "Signaling:Jwt";

    /// <summary>HS256 key: the UTF-8 bytes of this string, at least 32 bytes. Required unless <see cref="Authority"/> is set.</summary>
    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "signaling";

    [Required]
    public string Audience { get; set; } = "signaling";

    /// <summary>An OpenID Connect issuer whose signing keys come from discovery, instead of the shared key.</summary>
    public string? Authority { get; set; }

    /// <summary>Lifetime of room join tokens when the request does not say.</summary>
    public TimeSpan RoomTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Which hub connections the server closes when their token expires (see <see cref="ExpiringConnections"/>).</summary>
    public ExpiringConnections CloseOnExpiration { get; set; } = ExpiringConnections.Admins;

    public byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey ?? "");
}

/// <summary>
/// A hub connection is authenticated once, when it opens; these say which connections the server
/// closes when that token expires, so that they must come back with a fresh one.
/// </summary>
public enum ExpiringConnections
{
    /// <summary>None: a connection outlives its token (a token only has to be valid to connect).</summary>
    None,

    /// <summary>Connections whose token has the <c>admin</c> role: they act for an organization, so
    /// revoking an admin (no new token) takes effect within one token lifetime. Devices and room
    /// guests, whose join tokens are short-lived on purpose, stay connected.</summary>
    Admins,

    /// <summary>Every connection.</summary>
    All,
}

/// <summary>Cross-field rules that data annotations cannot express; messages name the key to fix.</summary>
public sealed class JwtOptionsValidator : IValidateOptions<JwtOptions>
{
    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey) && string.IsNullOrEmpty(options.Authority))
        {
            return ValidateOptionsResult.Fail(
                $"{JwtOptions.Section}:SigningKey is required (or set {JwtOptions.Section}:Authority): the HS256 key, at least 32 bytes of UTF-8");
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && options.SigningKeyBytes.Length < 32)
        {
            return ValidateOptionsResult.Fail(
                $"{JwtOptions.Section}:SigningKey is {options.SigningKeyBytes.Length} bytes; HS256 needs at least 32");
        }

        if (!string.IsNullOrEmpty(options.Authority) && !Uri.TryCreate(options.Authority, UriKind.Absolute, out _))
        {
            return ValidateOptionsResult.Fail($"{JwtOptions.Section}:Authority must be an absolute URL");
        }

        return ValidateOptionsResult.Success;
    }
}
