using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Signaling.Hub.Observability;

namespace Signaling.Hub.Rooms;

/// <summary>
/// Which connection holds each active member, kept in memory so that relays are authorized and
/// addressed without a store round trip. The store stays the source of truth; this is updated
/// in the same per-room critical section as the store.
/// </summary>
public sealed class RoomDirectory : IRoomGauges
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _rooms = new(StringComparer.Ordinal);

    public bool TryGetConnection(string roomId, string peerId, [MaybeNullWhen(false)] out string connectionId)
    {
        connectionId = null;
        return _rooms.TryGetValue(roomId, out var peers) && peers.TryGetValue(peerId, out connectionId);
    }

    /// <summary>Whether <paramref name="connectionId"/> holds <paramref name="peerId"/>'s active membership of the room.</summary>
    public bool IsHeldBy(string roomId, string peerId, string connectionId) =>
        TryGetConnection(roomId, peerId, out var holder) && string.Equals(holder, connectionId, StringComparison.Ordinal);

    public void Set(string roomId, string peerId, string connectionId) =>
        _rooms.GetOrAdd(roomId, static _ => new(StringComparer.Ordinal))[peerId] = connectionId;

    /// <summary>Removes the entry only while <paramref name="connectionId"/> still holds it.</summary>
    public bool Remove(string roomId, string peerId, string connectionId)
    {
        if (!_rooms.TryGetValue(roomId, out var peers)
            || !peers.TryRemove(new KeyValuePair<string, string>(peerId, connectionId)))
        {
            return false;
        }

        // Racing with a Set is harmless: callers hold the room's lock (RoomLocks).
        if (peers.IsEmpty)
        {
            _rooms.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, string>>(roomId, peers));
        }

        return true;
    }

    /// <summary>Rooms with an active member; read by metrics and stats, not on the relay path.</summary>
    public int RoomCount => _rooms.Count;

    public int MemberCount => _rooms.Values.Sum(peers => peers.Count);
}
