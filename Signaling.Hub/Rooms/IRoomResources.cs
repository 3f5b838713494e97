namespace Signaling.Hub.Rooms;

/// <summary>What other features keep for a room (uploads, say), released when the room closes.</summary>
public interface IRoomResources
{
    void Release(string roomId);
}
