using Microsoft.AspNetCore.SignalR;
using Signaling.Hub.Hubs;
using Signaling.Hub.Storage;

namespace Signaling.Hub.Scaling;

/// <summary>
/// Reaches room members held by other instances: the shared store says which connection and
/// instance hold the member (the Redis store remembers it until it changes), and the backplane
/// sends straight to that instance's channel.
/// </summary>
public sealed class RemotePeers(IRoomStore store, HubLifetimeManager<SignalingHub> lifetime)
{
    private readonly RedisHubLifetimeManager<SignalingHub>? _backplane = lifetime as RedisHubLifetimeManager<SignalingHub>;

    /// <summary>Sends to <paramref name="peerId"/> if it is an active member of the room on another instance; false when it is not.</summary>
    public async Task<bool> TrySendAsync(string roomId, string peerId, string method, object payload)
    {
        if (_backplane is null)
        {
            // One instance: the local directory already said the peer is not here, so it is nowhere.
            return false;
        }

        if (await store.FindRouteAsync(roomId, peerId) is not { } route)
        {
            return false;
        }

        await _backplane.SendConnectionOnInstanceAsync(route.InstanceId, route.ConnectionId, method, [payload], CancellationToken.None);
        return true;
    }
}
