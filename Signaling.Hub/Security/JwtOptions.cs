using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Http;
using Signaling.Hub.Common;

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

    /// <summary>Whether a token's <c>iss</c> must be <see cref="Issuer"/>; off for issuers that set none.</summary>
    public bool ValidateIssuer { get; set; } = true;

    /// <summary>Whether a token's <c>aud</c> must be <see cref="Audience"/>; off for issuers that set none.</summary>
    public bool ValidateAudience { get; set; } = true;

    /// <summary>
    /// The claim that carries the caller's identity (the peer id, the client id of a device): <c>sub</c>,
    /// or what an existing issuer uses instead, such as <c>agentId</c>. Tokens this service mints carry it too.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Signaling:Jwt:PeerIdClaim must name a claim: e.g. sub or agentId")]
    public string PeerIdClaim { get; set; } = SignalingClaims.Subject;

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
[TypeConverter(typeof(EnumSetting<ExpiringConnections>))]
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
    private const string HowToMakeAKey =
        "make one with `openssl rand -base64 48` and have your token issuer sign with the same key (e.g. its JWT_SECRET)";

    /// <summary>Claims that mean something else in a token: one of them as the peer id would let it be chosen through the other meaning.</summary>
    private static readonly string[] ReservedClaims =
    [
        SignalingClaims.Name, SignalingClaims.Role, SignalingClaims.Organization, SignalingClaims.Room,
        CallerIdentity.RoomCreationClaim, "iss", "aud", "exp", "nbf", "iat", "jti",
    ];

    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey) && string.IsNullOrEmpty(options.Authority))
        {
            return ValidateOptionsResult.Fail(
                $"{JwtOptions.Section}:SigningKey is required (or set {JwtOptions.Section}:Authority): the HS256 key, at least 32 bytes of UTF-8; {HowToMakeAKey}");
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && options.SigningKeyBytes.Length < 32)
        {
            return ValidateOptionsResult.Fail(
                $"{JwtOptions.Section}:SigningKey is {options.SigningKeyBytes.Length} bytes; HS256 needs at least 32: {HowToMakeAKey}");
        }

        if (ReservedClaims.Contains(options.PeerIdClaim, StringComparer.Ordinal))
        {
            return ValidateOptionsResult.Fail(
                $"{JwtOptions.Section}:PeerIdClaim cannot be '{options.PeerIdClaim}', which carries something else: name the claim that holds the user's id, e.g. sub or agentId");
        }

        if (!string.IsNullOrEmpty(options.Authority) && !Uri.TryCreate(options.Authority, UriKind.Absolute, out _))
        {
            return ValidateOptionsResult.Fail($"{JwtOptions.Section}:Authority must be an absolute URL");
        }

        return ValidateOptionsResult.Success;
    }
}
