using System.Security.Claims;
using Signaling.Contracts.Http;

namespace Signaling.Hub.Security;

/// <summary>What the service reads from a caller's token, parsed once per connection or request.</summary>
public sealed record CallerIdentity(string Id, string Name, IReadOnlySet<string> Roles, string? Org, string? RoomScope)
{
    public bool IsAdmin => Roles.Contains(SignalingClaims.AdminRole);

    public bool IsClient => Roles.Contains(SignalingClaims.ClientRole);

    /// <summary>Room-scoped tokens may act only in their own room.</summary>
    public bool MayEnter(string roomId) => RoomScope is null || string.Equals(RoomScope, roomId, StringComparison.Ordinal);

    public static CallerIdentity From(ClaimsPrincipal user)
    {
        // Authentication already refused tokens without a valid 'sub' (see JwtSetup), so it is present here.
        var id = user.FindFirstValue(SignalingClaims.Subject)
            ?? throw new InvalidOperationException("authenticated principal without 'sub'");
        var roles = user.FindAll(SignalingClaims.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return new CallerIdentity(
            id,
            user.FindFirstValue(SignalingClaims.Name) ?? id,
            roles,
            user.FindFirstValue(SignalingClaims.Organization),
            user.FindFirstValue(SignalingClaims.Room));
    }
}
