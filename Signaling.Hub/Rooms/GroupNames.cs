namespace Signaling.Hub.Rooms;

/// <summary>SignalR group names, built in one place so no two features spell them differently.</summary>
public static class GroupNames
{
    public static string Room(string roomId) => "room:" + roomId;
}
