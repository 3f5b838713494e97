using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;

namespace Signaling.Client;

/// <content>Room and relay events, one registration method each.</content>
public sealed partial class SignalingClient
{
    /// <summary>Registers a handler of <see cref="ISignalingClient.PeerJoined"/>. A member joined a room the receiver is in.</summary>
    /// <param name="handler">Called with the member.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnPeerJoined(Func<PeerInfo, Task> handler) =>
        Register(nameof(ISignalingClient.PeerJoined), handler);

    /// <inheritdoc cref="OnPeerJoined(Func{PeerInfo, Task})"/>
    public IDisposable OnPeerJoined(Action<PeerInfo> handler) =>
        Register(nameof(ISignalingClient.PeerJoined), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.PeerLeft"/>. A member left a room the receiver is in.</summary>
    /// <param name="handler">Called with the room, the member and why.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnPeerLeft(Func<PeerLeftEvent, Task> handler) =>
        Register(nameof(ISignalingClient.PeerLeft), handler);

    /// <inheritdoc cref="OnPeerLeft(Func{PeerLeftEvent, Task})"/>
    public IDisposable OnPeerLeft(Action<PeerLeftEvent> handler) =>
        Register(nameof(ISignalingClient.PeerLeft), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.PeerUpdated"/>. A member's media state, user data or files changed.</summary>
    /// <param name="handler">Called with the member after the change.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnPeerUpdated(Func<PeerInfo, Task> handler) =>
        Register(nameof(ISignalingClient.PeerUpdated), handler);

    /// <inheritdoc cref="OnPeerUpdated(Func{PeerInfo, Task})"/>
    public IDisposable OnPeerUpdated(Action<PeerInfo> handler) =>
        Register(nameof(ISignalingClient.PeerUpdated), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.Offer"/>. An SDP offer from a peer.</summary>
    /// <param name="handler">Called with the room, the sender and the SDP.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnOffer(Func<RelayedSdp, Task> handler) =>
        Register(nameof(ISignalingClient.Offer), handler);

    /// <inheritdoc cref="OnOffer(Func{RelayedSdp, Task})"/>
    public IDisposable OnOffer(Action<RelayedSdp> handler) =>
        Register(nameof(ISignalingClient.Offer), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.Answer"/>. An SDP answer from a peer.</summary>
    /// <param name="handler">Called with the room, the sender and the SDP.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnAnswer(Func<RelayedSdp, Task> handler) =>
        Register(nameof(ISignalingClient.Answer), handler);

    /// <inheritdoc cref="OnAnswer(Func{RelayedSdp, Task})"/>
    public IDisposable OnAnswer(Action<RelayedSdp> handler) =>
        Register(nameof(ISignalingClient.Answer), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.IceCandidate"/>. An ICE candidate from a peer; a <see langword="null"/> candidate means end of candidates.</summary>
    /// <param name="handler">Called with the room, the sender and the candidate.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnIceCandidate(Func<RelayedIceCandidate, Task> handler) =>
        Register(nameof(ISignalingClient.IceCandidate), handler);

    /// <inheritdoc cref="OnIceCandidate(Func{RelayedIceCandidate, Task})"/>
    public IDisposable OnIceCandidate(Action<RelayedIceCandidate> handler) =>
        Register(nameof(ISignalingClient.IceCandidate), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.RoomClosed"/>. A room the receiver was in was closed.</summary>
    /// <param name="handler">Called with the room and why.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnRoomClosed(Func<RoomClosedEvent, Task> handler) =>
        Register(nameof(ISignalingClient.RoomClosed), handler);

    /// <inheritdoc cref="OnRoomClosed(Func{RoomClosedEvent, Task})"/>
    public IDisposable OnRoomClosed(Action<RoomClosedEvent> handler) =>
        Register(nameof(ISignalingClient.RoomClosed), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.SessionReplaced"/>. The receiver's membership of a room moved to a newer connection of the same identity.</summary>
    /// <param name="handler">Called with the room.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnSessionReplaced(Func<SessionReplacedEvent, Task> handler) =>
        Register(nameof(ISignalingClient.SessionReplaced), handler);

    /// <inheritdoc cref="OnSessionReplaced(Func{SessionReplacedEvent, Task})"/>
    public IDisposable OnSessionReplaced(Action<SessionReplacedEvent> handler) =>
        Register(nameof(ISignalingClient.SessionReplaced), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.ServerShutdown"/>. The server is about to stop.</summary>
    /// <param name="handler">Called with a message and when to reconnect.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnServerShutdown(Func<ServerShutdownEvent, Task> handler) =>
        Register(nameof(ISignalingClient.ServerShutdown), handler);

    /// <inheritdoc cref="OnServerShutdown(Func{ServerShutdownEvent, Task})"/>
    public IDisposable OnServerShutdown(Action<ServerShutdownEvent> handler) =>
        Register(nameof(ISignalingClient.ServerShutdown), handler);
}
