using Microsoft.AspNetCore.SignalR.Client;
using Signaling.Contracts;

namespace Signaling.Client;

/// <content>Registration of server events.</content>
public sealed partial class SignalingClient
{
    /// <summary>
    /// Routes every server event to <paramref name="handler"/>. Register before <see cref="StartAsync"/>:
    /// events the server sends right after connecting (<see cref="ISignalingClient.PendingNotifications"/>,
    /// <see cref="ISignalingClient.ConnectRequest"/>) are dropped when no handler is registered yet.
    /// </summary>
    /// <param name="handler">Receives the events.</param>
    /// <returns>Removes every registration when disposed.</returns>
    public IDisposable Subscribe(ISignalingClient handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new Registrations(
        [
            OnPeerJoined(handler.PeerJoined),
            OnPeerLeft(handler.PeerLeft),
            OnPeerUpdated(handler.PeerUpdated),
            OnOffer(handler.Offer),
            OnAnswer(handler.Answer),
            OnIceCandidate(handler.IceCandidate),
            OnConnectRequest(handler.ConnectRequest),
            OnConnectRequestUpdated(handler.ConnectRequestUpdated),
            OnClientStatusChanged(handler.ClientStatusChanged),
            OnPendingNotifications(handler.PendingNotifications),
            OnRoomClosed(handler.RoomClosed),
            OnSessionReplaced(handler.SessionReplaced),
            OnServerShutdown(handler.ServerShutdown),
        ]);
    }

    private IDisposable Register<T>(string eventName, Func<T, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Connection.On(eventName, handler);
    }

    private IDisposable Register<T>(string eventName, Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Connection.On(eventName, handler);
    }

    private sealed class Registrations(IDisposable[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
