using System.Security.Claims;
using Signaling.Contracts.Http;

namespace Signaling.Hub.Security;

/// <summary>
/// What the service reads from a caller's token, parsed once per connection or request.
/// <see cref="RoomCreation"/>, on room tokens this service minted, is the creation id of the room it
/// was minted for (a new one each time a room is created under an id); tokens from an external
/// issuer may scope a room without it.
/// </summary>
public sealed record CallerIdentity(string Id, string Name, IReadOnlySet<string> Roles, string? Org, string? RoomScope, string? RoomCreation = null)
{
    /// <summary>Claim of room tokens naming the room's creation they were minted for; opaque to clients.</summary>
    public const string RoomCreationClaim = "room_creation";

    public bool IsAdmin => Roles.Contains(SignalingClaims.AdminRole);

    public bool IsClient => Roles.Contains(SignalingClaims.ClientRole);

    /// <summary>Room-scoped tokens may act only in their own room.</summary>
    public bool MayEnter(string roomId) => RoomScope is null || string.Equals(RoomScope, roomId, StringComparison.Ordinal);

    /// <summary>
    /// A room token is an invitation to the room as it was when the token was minted: once that
    /// room is deleted, a room created later under the same id (by anyone, in any organization)
    /// is another room, and the old invitation does not open it.
    /// </summary>
    public bool IsInvitedTo(string roomId, string? creationId) =>
        string.Equals(RoomScope, roomId, StringComparison.Ordinal)
        && (RoomCreation is null || string.Equals(RoomCreation, creationId, StringComparison.Ordinal));

    public static CallerIdentity From(ClaimsPrincipal user)
    {
        // The identity's Name is the configured peer-id claim, and authentication already refused
        // tokens without a valid one (see JwtSetup), so it is present here.
        var id = user.Identity?.Name
            ?? throw new InvalidOperationException("authenticated principal without a peer id");
        var roles = user.FindAll(SignalingClaims.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return new CallerIdentity(
            id,
            user.FindFirstValue(SignalingClaims.Name) ?? id,
            roles,
            user.FindFirstValue(SignalingClaims.Organization),
            user.FindFirstValue(SignalingClaims.Room),
            user.FindFirstValue(RoomCreationClaim));
    }
}
