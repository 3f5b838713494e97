namespace Signaling.Hub.Rooms;

/// <summary>
/// Tells the instance that holds a connection that the connection lost a room membership to a
/// newer session of the same identity, so that instance stops letting it relay in the room.
/// </summary>
public interface ISessionHandover
{
    Task ReplacedAsync(string roomId, string peerId, string connectionId);
}

/// <summary>One process: every connection is local, and the join already updated the local directory.</summary>
internal sealed class LocalSessionHandover : ISessionHandover
{
    public Task ReplacedAsync(string roomId, string peerId, string connectionId) => Task.CompletedTask;
}
