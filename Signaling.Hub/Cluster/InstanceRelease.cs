using Signaling.Hub.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Rooms;

namespace Signaling.Hub.Cluster;

/// <summary>
/// Lets go of everything one instance holds in the store, in one pass: its members become
/// inactive and its clients offline, and their rooms and admins are told. Survivors do it for an
/// instance that died; an instance does it for itself when it stops, instead of once per connection.
/// </summary>
public sealed class InstanceRelease(
    IMemberStore members,
    IClientStore clients,
    IAdminInboxStore admins,
    RoomService rooms,
    PresenceService presence,
    TimeProvider time)
{
    /// <summary>Returns how many members became inactive and how many clients went offline.</summary>
    public async Task<(int Members, int Clients)> ReleaseAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var now = time.NowMs();
        // Idempotent: only what the instance still holds is touched, so callers racing here report disjoint members.
        var inactive = await members.DeactivateInstanceAsync(instanceId, now, cancellationToken);
        var offline = await clients.RemoveInstanceConnectionsAsync(instanceId, now, cancellationToken);
        await admins.RemoveInstanceConnectionsAsync(instanceId, cancellationToken);
        await rooms.InstanceLostAsync(inactive);
        await presence.InstanceLostAsync(offline);
        return (inactive.Count, offline.Count);
    }
}
