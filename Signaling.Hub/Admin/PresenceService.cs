using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using Signaling.Hub.Security;

namespace Signaling.Hub.Admin;

/// <summary>Client registry and admin presence: who is online, told to the admins of the same organization.</summary>
public sealed partial class PresenceService(
    IClientStore clients,
    IConnectRequestStore requests,
    IAdminInboxStore inbox,
    ConnectRequestService connectRequests,
    ISignalingClients hub,
    InstanceIdentity instance,
    TimeProvider time,
    ILogger<PresenceService> logger)
{
    private const int HistoryLimit = 500;

    /// <summary>Organizations are tenants; tokens without one share the unnamed tenant.</summary>
    public static string OrgOf(CallerIdentity caller) => caller.Org ?? "";

    public async Task ConnectedAsync(ConnectionSession session)
    {
        var caller = session.Caller;
        var org = OrgOf(caller);
        if (caller.IsAdmin)
        {
            await hub.Groups.AddToGroupAsync(session.ConnectionId, GroupNames.OrgAdmins(org));
            await hub.Groups.AddToGroupAsync(session.ConnectionId, GroupNames.Admin(org, caller.Id));
            await inbox.AdminConnectedAsync(org, caller.Id, session.ConnectionId, instance.Id);
            // Sent even when empty, so a dashboard knows its catch-up is complete.
            await hub.Clients.Client(session.ConnectionId).PendingNotifications(await inbox.TakeAsync(org, caller.Id));
        }

        if (caller.IsClient)
        {
            // In the group before registering: a request sent once the store says "online" must reach this connection.
            await hub.Groups.AddToGroupAsync(session.ConnectionId, GroupNames.Client(org, caller.Id));
            var presence = await clients.ClientConnectedAsync(org, caller.Id, caller.Name, session.ConnectionId, instance.Id, time.NowMs());
            if (presence.Crossed)
            {
                await AnnounceAsync(presence.Client, presence.Reconnected);
            }

            await connectRequests.DeliverQueuedAsync(org, caller.Id, session.ConnectionId);
        }
    }

    public async Task DisconnectedAsync(ConnectionSession session)
    {
        var caller = session.Caller;
        if (caller.IsAdmin)
        {
            await inbox.AdminDisconnectedAsync(OrgOf(caller), caller.Id, session.ConnectionId);
        }

        if (caller.IsClient
            && await clients.ClientDisconnectedAsync(OrgOf(caller), caller.Id, session.ConnectionId, time.NowMs()) is { Crossed: true } presence)
        {
            await AnnounceAsync(presence.Client, reconnected: true);
        }
    }

    /// <summary>Clients whose last connection died with another instance are announced offline, as if it had closed.</summary>
    public async Task InstanceLostAsync(IReadOnlyList<ClientRecord> offline)
    {
        foreach (var client in offline)
        {
            await AnnounceAsync(client, reconnected: true);
        }
    }

    public async Task<IReadOnlyList<ClientSummary>> ListAsync(CallerIdentity caller)
    {
        RequireAdmin(caller);
        var list = await clients.ListClientsAsync(OrgOf(caller));
        var queued = await requests.QueuedCountsAsync(OrgOf(caller));
        return list.Select(c => new ClientSummary(c.ClientId, c.UserName, c.Status, c.LastSeen, c.FirstSeen, c.ConnectCount,
            queued.GetValueOrDefault(c.ClientId))).ToList();
    }

    public async Task<ClientHistory> HistoryAsync(CallerIdentity caller, string? clientId)
    {
        RequireAdmin(caller);
        Validate.Id(clientId, "clientId");
        if (await clients.GetClientAsync(OrgOf(caller), clientId) is null)
        {
            throw new RefusalException(ErrorCodes.ClientNotFound, $"no client '{clientId}' in this organization");
        }

        return new ClientHistory(clientId, await clients.GetHistoryAsync(OrgOf(caller), clientId, HistoryLimit));
    }

    public static void RequireAdmin(CallerIdentity caller)
    {
        if (!caller.IsAdmin || caller.RoomScope is not null)
        {
            throw RefusalException.Forbidden("admin role required");
        }
    }

    private async Task AnnounceAsync(ClientRecord client, bool reconnected)
    {
        LogStatus(client.ClientId, client.Org, client.Status);
        await hub.Clients.Group(GroupNames.OrgAdmins(client.Org))
            .ClientStatusChanged(new ClientStatusChangedEvent(client.ClientId, client.UserName, client.Status, reconnected, client.LastSeen));
        if (client.Status == ClientStatus.Online)
        {
            await inbox.KeepForAbsentAsync(client.Org, null,
                new Notification(NotificationType.ClientOnline, client.LastSeen, client.ClientId, Detail: client.UserName));
        }
    }

    [LoggerMessage(LogLevel.Information, "Client {ClientId} of org {Org} is {Status}")]
    private partial void LogStatus(string clientId, string org, ClientStatus status);
}
