using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Hubs;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;
using Signaling.Hub.Storage;

namespace Signaling.Hub.Admin;

/// <summary>Client registry and admin presence: who is online, told to the admins of the same organization.</summary>
public sealed partial class PresenceService(
    IClientStore clients,
    IHubContext<SignalingHub, ISignalingClient> hub,
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
        if (caller.IsAdmin)
        {
            await hub.Groups.AddToGroupAsync(session.ConnectionId, GroupNames.OrgAdmins(OrgOf(caller)));
        }

        if (caller.IsClient)
        {
            var presence = await clients.ClientConnectedAsync(OrgOf(caller), caller.Id, caller.Name, session.ConnectionId, instance.Id, time.NowMs());
            if (presence.Crossed)
            {
                await AnnounceAsync(presence.Client, presence.Reconnected);
            }
        }
    }

    public async Task DisconnectedAsync(ConnectionSession session)
    {
        var caller = session.Caller;
        if (caller.IsClient
            && await clients.ClientDisconnectedAsync(OrgOf(caller), caller.Id, session.ConnectionId, time.NowMs()) is { Crossed: true } presence)
        {
            await AnnounceAsync(presence.Client, reconnected: true);
        }
    }

    public async Task<IReadOnlyList<ClientSummary>> ListAsync(CallerIdentity caller)
    {
        RequireAdmin(caller);
        var list = await clients.ListClientsAsync(OrgOf(caller));
        // Connect requests arrive with the request queue; until then no client has any pending.
        return list.Select(c => new ClientSummary(c.ClientId, c.UserName, c.Status, c.LastSeen, c.FirstSeen, c.ConnectCount, 0)).ToList();
    }

    public async Task<ClientHistory> HistoryAsync(CallerIdentity caller, string? clientId)
    {
        RequireAdmin(caller);
        Validate.Id(clientId, "clientId");
        if (await clients.GetClientAsync(OrgOf(caller), clientId) is null)
        {
            throw new SignalingException(ErrorCodes.ClientNotFound, $"no client '{clientId}' in this organization");
        }

        return new ClientHistory(clientId, await clients.GetHistoryAsync(OrgOf(caller), clientId, HistoryLimit));
    }

    public static void RequireAdmin(CallerIdentity caller)
    {
        if (!caller.IsAdmin || caller.RoomScope is not null)
        {
            throw SignalingException.Forbidden("admin role required");
        }
    }

    private async Task AnnounceAsync(ClientRecord client, bool reconnected)
    {
        LogStatus(client.ClientId, client.Org, client.Status);
        await hub.Clients.Group(GroupNames.OrgAdmins(client.Org))
            .ClientStatusChanged(new ClientStatusChangedEvent(client.ClientId, client.UserName, client.Status, reconnected, client.LastSeen));
    }

    [LoggerMessage(LogLevel.Information, "Client {ClientId} of org {Org} is {Status}")]
    private partial void LogStatus(string clientId, string org, ClientStatus status);
}
