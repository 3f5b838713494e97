using Signaling.Contracts.Admin;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;

namespace Signaling.Contracts;

/// <summary>
/// Events the server sends to clients. Method names are the wire names: subscribe with
/// <c>nameof(ISignalingClient.PeerJoined)</c> rather than string literals.
/// </summary>
public interface ISignalingClient
{
    /// <summary>A member joined a room the receiver is in.</summary>
    /// <param name="peer">The member.</param>
    Task PeerJoined(PeerInfo peer);

    /// <summary>A member left a room the receiver is in.</summary>
    /// <param name="e">The room, the member and why.</param>
    Task PeerLeft(PeerLeftEvent e);

    /// <summary>A member's media state, user data or files changed.</summary>
    /// <param name="peer">The member after the change.</param>
    Task PeerUpdated(PeerInfo peer);

    /// <summary>An SDP offer from a peer.</summary>
    /// <param name="e">The room, the sender and the SDP.</param>
    Task Offer(RelayedSdp e);

    /// <summary>An SDP answer from a peer.</summary>
    /// <param name="e">The room, the sender and the SDP.</param>
    Task Answer(RelayedSdp e);

    /// <summary>An ICE candidate from a peer; a <see langword="null"/> candidate means end of candidates.</summary>
    /// <param name="e">The room, the sender and the candidate.</param>
    Task IceCandidate(RelayedIceCandidate e);

    /// <summary>To a client device: an admin asks it to connect.</summary>
    /// <param name="e">The request.</param>
    Task ConnectRequest(ConnectRequestEvent e);

    /// <summary>To an admin: one of its requests changed state.</summary>
    /// <param name="e">The request's new state.</param>
    Task ConnectRequestUpdated(ConnectRequestUpdatedEvent e);

    /// <summary>To admins: a client of their organization came online or went offline.</summary>
    /// <param name="e">The client and its state.</param>
    Task ClientStatusChanged(ClientStatusChangedEvent e);

    /// <summary>To an admin right after it connects: what happened while it was away.</summary>
    /// <param name="notifications">The notifications, oldest first.</param>
    Task PendingNotifications(IReadOnlyList<Notification> notifications);

    /// <summary>A room the receiver was in was closed.</summary>
    /// <param name="e">The room and why.</param>
    Task RoomClosed(RoomClosedEvent e);

    /// <summary>The receiver's membership of a room moved to a newer connection of the same identity.</summary>
    /// <param name="e">The room.</param>
    Task SessionReplaced(SessionReplacedEvent e);

    /// <summary>The server is about to stop.</summary>
    /// <param name="e">A message and when to reconnect.</param>
    Task ServerShutdown(ServerShutdownEvent e);
}
