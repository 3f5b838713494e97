namespace Signaling.Contracts.Http;

/// <summary>Body of <c>POST /api/dev/tokens</c> (Development only): mint a token for local use.</summary>
/// <param name="Sub">The identity.</param>
/// <param name="Name">Display name.</param>
/// <param name="Roles">Roles: <c>admin</c>, <c>client</c>.</param>
/// <param name="Org">Organization.</param>
/// <param name="Room">Limit the token to this room.</param>
/// <param name="LifetimeMinutes">Lifetime; 60 by default.</param>
public sealed record DevTokenRequest(
    string Sub,
    string? Name = null,
    IReadOnlyList<string>? Roles = null,
    string? Org = null,
    string? Room = null,
    int? LifetimeMinutes = null);

/// <summary>A minted bearer token.</summary>
/// <param name="Token">The JWT.</param>
/// <param name="ExpiresAt">Expiry, unix milliseconds.</param>
public sealed record TokenResponse(string Token, long ExpiresAt);

/// <summary>Body of <c>POST /api/rooms/{roomId}/tokens</c>.</summary>
/// <param name="LifetimeMinutes">Lifetime of the join token; the server's default when omitted.</param>
public sealed record RoomTokenRequest(int? LifetimeMinutes = null);

/// <summary>A join token limited to one room.</summary>
/// <param name="Token">The JWT.</param>
/// <param name="ExpiresAt">Expiry, unix milliseconds.</param>
/// <param name="RoomId">The only room it may join.</param>
public sealed record RoomTokenResponse(string Token, long ExpiresAt, string RoomId);

/// <summary>Well-known claim types and role names of Signaling tokens.</summary>
public static class SignalingClaims
{
    /// <summary>The identity; a member's peer id. A service may be set to read it from another claim (<c>Signaling:Jwt:PeerIdClaim</c>).</summary>
    public const string Subject = "sub";

    /// <summary>Display name.</summary>
    public const string Name = "name";

    /// <summary>Role (zero or more).</summary>
    public const string Role = "role";

    /// <summary>Organization (tenant).</summary>
    public const string Organization = "org";

    /// <summary>Limits the token to one room.</summary>
    public const string Room = "room";

    /// <summary>Role of an organization's administrator.</summary>
    public const string AdminRole = "admin";

    /// <summary>Role of a client device admins may connect to.</summary>
    public const string ClientRole = "client";
}
