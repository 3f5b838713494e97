using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Signaling.Contracts.Http;
using Signaling.Hub.Common;

namespace Signaling.Hub.Security;

/// <summary>Mints HS256 tokens that this service accepts: development tokens and room join tokens.</summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public TimeSpan DefaultRoomTokenLifetime => options.Value.RoomTokenLifetime;

    public TokenResponse Issue(
        string sub,
        string? name,
        IEnumerable<string> roles,
        string? org,
        string? room,
        TimeSpan lifetime,
        string? roomCreation = null)
    {
        var jwt = options.Value;
        if (string.IsNullOrEmpty(jwt.SigningKey))
        {
            throw RefusalException.Forbidden(
                $"this server validates tokens from {JwtOptions.Section}:Authority and has no signing key to mint tokens");
        }

        var now = time.GetUtcNow();
        var expires = now + lifetime;
        var claims = new Dictionary<string, object> { [jwt.PeerIdClaim] = sub };
        if (name is not null) claims[SignalingClaims.Name] = name;
        if (org is not null) claims[SignalingClaims.Organization] = org;
        if (room is not null) claims[SignalingClaims.Room] = room;
        if (roomCreation is not null) claims[CallerIdentity.RoomCreationClaim] = roomCreation;
        var roleList = roles.Distinct(StringComparer.Ordinal).ToArray();
        if (roleList.Length > 0) claims[SignalingClaims.Role] = roleList;

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            Subject = new ClaimsIdentity(),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(jwt.SigningKeyBytes), SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(token, expires.ToUnixTimeMilliseconds());
    }
}
