using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;
using Signaling.Hub.Common;
using Signaling.Hub.Hubs;
using Signaling.Hub.Storage;
using StackExchange.Redis;

namespace Signaling.Hub.Scaling;

/// <summary>
/// Reaches room members held by other instances: the shared store says which connection and
/// instance hold the member (the Redis store remembers it until it changes), and the backplane
/// sends straight to that instance's channel.
/// </summary>
public sealed class RemotePeers(IRoomStore store, HubLifetimeManager<SignalingHub> lifetime)
{
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisHubLifetimeManager<SignalingHub>? _backplane = lifetime as RedisHubLifetimeManager<SignalingHub>;

    /// <summary>Sends to <paramref name="peerId"/> if it is an active member of the room on another instance; false when it is not.</summary>
    public async Task<bool> TrySendAsync(string roomId, string peerId, string method, object payload)
    {
        if (_backplane is null)
        {
            // One instance: the local directory already said the peer is not here, so it is nowhere.
            return false;
        }

        MemberRoute? route;
        try
        {
            // Bounded: the Redis client does not time out asynchronous commands on a hung server,
            // and the sender's calls run one at a time, so one stuck lookup would stall its connection.
            route = await store.FindRouteAsync(roomId, peerId).WaitAsync(LookupTimeout);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Without Redis nobody on another instance can be reached. Say so with the relay's
            // code for "not delivered" rather than as an internal error: the sender can retry
            // once the peer is reachable again (readiness reports the outage meanwhile).
            throw new RefusalException(ErrorCodes.PeerNotFound,
                $"peer '{peerId}' of room '{roomId}' is not on this instance and the cluster is unreachable ({ex.GetType().Name}): nothing was delivered");
        }

        if (route is null)
        {
            return false;
        }

        await _backplane.SendConnectionOnInstanceAsync(route.InstanceId, route.ConnectionId, method, [payload], CancellationToken.None);
        return true;
    }
}
