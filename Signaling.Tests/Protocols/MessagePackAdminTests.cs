using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;
using static Signaling.Tests.Protocols.MessagePackRoomTests;

namespace Signaling.Tests.Protocols;

/// <summary>
/// The admin side over the MessagePack hub protocol: connect requests with object and string data,
/// answers, presence, the client list and history, and what an admin who was away is told, each
/// compared with what a JSON admin of the same organization gets.
/// </summary>
public sealed class MessagePackAdminTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    private static readonly JsonElement Offer = JsonSerializer.Deserialize<JsonElement>("""{"sdp":"v=0","constraints":{"video":true,"codecs":["vp8","h264"]},"ttl":1.5}""");

    private static readonly JsonElement Answer = JsonSerializer.Deserialize<JsonElement>("""{"sdp":"answer","n":[1,null,{"x":false}]}""");

    [Fact]
    public async Task Connect_requests_presence_and_history_mean_the_same_over_MessagePack_as_over_JSON()
    {
        var (agent, jsonAgent) = (await Admin("agent", messagePack: true), await Admin("other", messagePack: false));
        Assert.Empty(Assert.Single(await agent.Pending));
        Assert.Empty(Assert.Single(await jsonAgent.Pending));

        var online = (agent.Client.Expect<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), 1),
            jsonAgent.Client.Expect<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), 1));
        var device = OfficialClient.Create(_app, DeviceToken, protocol: OfficialClient.MessagePack);
        var requests = device.Expect<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest), 2);
        await device.StartAsync();
        var seen = Assert.Single(await online.Item1);
        Assert.Equal(("device", "Kiosk", ClientStatus.Online, false), (seen.ClientId, seen.UserName, seen.Status, seen.Reconnected));
        Assert.Equal(AsJson(seen), AsJson(Assert.Single(await online.Item2)));

        var updates = agent.Client.Expect<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), 2);
        var first = await agent.Client.Invoke<ConnectRequestResult>(nameof(IAdminHub.AdminConnectRequest), new AdminConnectRequestArgs("device", Offer, ConnectPriority.High, 120));
        var second = await agent.Client.Invoke<ConnectRequestResult>(nameof(IAdminHub.AdminConnectRequest),
            new AdminConnectRequestArgs("device", JsonSerializer.SerializeToElement("just a string"), ConnectPriority.Urgent));
        Assert.Equal(("device", ConnectDispatchStatus.Sent, (int?)null), (first.ClientId, first.Status, first.QueuePosition));

        var delivered = await requests;
        Assert.Equal((first.RequestId, "agent", "Agent", ConnectPriority.High, false), (delivered[0].RequestId, delivered[0].AdminId, delivered[0].AdminName, delivered[0].Priority, delivered[0].WasQueued));
        Assert.True(JsonElement.DeepEquals(Offer, delivered[0].OfferData), delivered[0].OfferData.ToString());
        Assert.Equal((second.RequestId, ConnectPriority.Urgent, "just a string"), (delivered[1].RequestId, delivered[1].Priority, delivered[1].OfferData.GetString()));
        Assert.True(delivered[1].CreatedAt >= delivered[0].CreatedAt && delivered[0].CreatedAt > 0);

        await device.Invoke(nameof(IAdminHub.RespondToConnectRequest), new RespondToConnectRequestArgs(first.RequestId, true, Answer));
        await device.Invoke(nameof(IAdminHub.RespondToConnectRequest), new RespondToConnectRequestArgs(second.RequestId, false, Reason: "busy"));
        var answered = await updates;
        Assert.Equal((first.RequestId, "device", ConnectRequestStatus.Accepted, (string?)null), (answered[0].RequestId, answered[0].ClientId, answered[0].Status, answered[0].Reason));
        Assert.True(JsonElement.DeepEquals(Answer, answered[0].AnswerData!.Value), answered[0].AnswerData.ToString());
        Assert.Equal((ConnectRequestStatus.Declined, (JsonElement?)null, "busy"), (answered[1].Status, answered[1].AnswerData, answered[1].Reason));

        var clients = await agent.Client.Invoke<IReadOnlyList<ClientSummary>>(nameof(IAdminHub.GetClients));
        var kiosk = Assert.Single(clients);
        Assert.Equal(("device", "Kiosk", ClientStatus.Online, 1, 0), (kiosk.ClientId, kiosk.UserName, kiosk.Status, kiosk.ConnectCount, kiosk.PendingRequests));
        Assert.Equal(AsJson(clients), AsJson(await jsonAgent.Client.Invoke<IReadOnlyList<ClientSummary>>(nameof(IAdminHub.GetClients))));
        var history = await agent.Client.Invoke<ClientHistory>(nameof(IAdminHub.GetClientHistory), "device");
        Assert.Equal("device", history.ClientId);
        Assert.Contains(history.Events, e => e.Type == ClientHistoryEventType.RequestAccepted && e.RequestId == first.RequestId);
        Assert.Contains(history.Events, e => e.Type == ClientHistoryEventType.RequestDeclined && e.RequestId == second.RequestId && e.Detail == "busy");
        Assert.Equal(AsJson(history), AsJson(await jsonAgent.Client.Invoke<ClientHistory>(nameof(IAdminHub.GetClientHistory), "device")));

        // Offline: a request waits in the queue; both admins leave before the device comes back.
        var offline = agent.Client.Expect<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), 1);
        await device.DisposeAsync();
        Assert.Equal(ClientStatus.Offline, Assert.Single(await offline).Status);
        var queued = await agent.Client.Invoke<ConnectRequestResult>(nameof(IAdminHub.AdminConnectRequest), new AdminConnectRequestArgs("device", Offer, ConnectPriority.Low, 60));
        Assert.Equal((ConnectDispatchStatus.Queued, (int?)1), (queued.Status, queued.QueuePosition));
        await DisconnectAsync(_app, agent.Client, jsonAgent.Client);

        var back = OfficialClient.Create(_app, DeviceToken, protocol: OfficialClient.MessagePack);
        var waited = back.Expect<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest), 1);
        await back.StartAsync();
        await using (back)
        {
            var late = Assert.Single(await waited);
            Assert.Equal((queued.RequestId, ConnectPriority.Low, true), (late.RequestId, late.Priority, late.WasQueued));
            await back.Invoke(nameof(IAdminHub.RespondToConnectRequest), new RespondToConnectRequestArgs(late.RequestId, true, JsonSerializer.SerializeToElement("ok")));

            (agent, jsonAgent) = (await Admin("agent", messagePack: true), await Admin("other", messagePack: false));
            await using var _ = agent.Client;
            await using var __ = jsonAgent.Client;
            var missed = Assert.Single(await agent.Pending);
            Assert.Contains(missed, n => n.Type == NotificationType.ClientOnline && n.ClientId == "device" && n.At > 0);
            Assert.Contains(missed, n => n.Type == NotificationType.RequestUpdated && n.RequestId == queued.RequestId && n.Status == ConnectRequestStatus.Accepted);
            var jsonMissed = Assert.Single(await jsonAgent.Pending);
            Assert.Equal(AsJson(jsonMissed.Where(n => n.Type == NotificationType.ClientOnline).Select(n => (n.ClientId, n.Status))),
                AsJson(missed.Where(n => n.Type == NotificationType.ClientOnline).Select(n => (n.ClientId, n.Status))));
        }
    }

    private static readonly string DeviceToken = Tokens.Create("device", name: "Kiosk", roles: ["client"], org: "acme");

    /// <summary>An admin connected with its <c>PendingNotifications</c> (sent right after connect) captured.</summary>
    private async Task<(OfficialClient Client, Task<IReadOnlyList<IReadOnlyList<Notification>>> Pending)> Admin(string sub, bool messagePack)
    {
        var client = OfficialClient.Create(_app, Tokens.Create(sub, name: "Agent", roles: ["admin"], org: "acme"), protocol: messagePack ? OfficialClient.MessagePack : null);
        var pending = client.Expect<IReadOnlyList<Notification>>(nameof(ISignalingClient.PendingNotifications), 1);
        await client.StartAsync();
        return (client, pending);
    }

    /// <summary>Disconnects the admins and waits until the server has seen them go: a room they were in tells.</summary>
    internal static async Task DisconnectAsync(ISignalingHost host, params OfficialClient[] admins)
    {
        await using var witness = await OfficialClient.ConnectAsync(host, Tokens.Create("witness", org: "acme"));
        await witness.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("lobby"));
        foreach (var admin in admins)
        {
            await admin.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("lobby"));
        }

        var left = witness.Expect<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft), admins.Length);
        foreach (var admin in admins)
        {
            await admin.DisposeAsync();
        }

        Assert.All(await left, e => Assert.Equal(PeerLeftReason.Disconnected, e.Reason));
    }

    public void Dispose() => _app.Dispose();
}
