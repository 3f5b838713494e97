namespace Signaling.Hub.Connections;

/// <summary>SignalR group names, built in one place so no two features spell them differently.</summary>
public static class GroupNames
{
    public static string Room(string roomId) => "room:" + roomId;

    /// <summary>The connected admins of an organization, who hear about its clients.</summary>
    public static string OrgAdmins(string org) => "admins:" + org;

    /// <summary>Every connection of one admin identity within its organization.</summary>
    public static string Admin(string org, string adminId) => $"admin:{org}:{adminId}";

    /// <summary>Every connection of one client device within its organization.</summary>
    public static string Client(string org, string clientId) => $"client:{org}:{clientId}";
}
