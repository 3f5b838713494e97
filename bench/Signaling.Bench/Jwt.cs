using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Signaling.Bench;

/// <summary>
/// Mints HS256 tokens the hub accepts, so a run needs neither the Development token endpoint
/// nor a token package: the server only checks signature, issuer, audience and lifetime.
/// </summary>
public sealed class JwtMinter(string signingKey, string issuer, string audience)
{
    private readonly byte[] key = Encoding.UTF8.GetBytes(signingKey);

    public string Mint(string subject, string name, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var claims = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["name"] = name,
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now,
            ["nbf"] = now - 60,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        });
        var signingInput = header + "." + Base64Url(claims);
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
