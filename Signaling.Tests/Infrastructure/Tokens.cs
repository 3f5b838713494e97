using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Signaling.Tests.Infrastructure;

/// <summary>Mints tokens independently of the server's own issuer, including deliberately bad ones.</summary>
public static class Tokens
{
    public const string SigningKey = "tests-only-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz";

    public static string Create(
        string sub,
        string? name = null,
        string[]? roles = null,
        string? org = null,
        string? room = null,
        string issuer = "signaling",
        string audience = "signaling",
        string key = SigningKey,
        DateTime? expires = null,
        DateTime? notBefore = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = sub };
        if (name is not null) claims["name"] = name;
        if (org is not null) claims["org"] = org;
        if (room is not null) claims["room"] = room;
        if (roles is { Length: > 0 }) claims["role"] = roles;
        var now = DateTime.UtcNow;
        var nbf = notBefore ?? now.AddMinutes(-1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = nbf,
            NotBefore = nbf,
            Expires = expires ?? now.AddHours(1),
            Claims = claims,
            Subject = new ClaimsIdentity(),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public static string AlgNone(string sub)
    {
        static string B64(string json) => Base64UrlEncoder.Encode(json);
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64($$"""{"sub":"{{sub}}","iss":"signaling","aud":"signaling","exp":{{exp}}}""")}.";
    }
}
