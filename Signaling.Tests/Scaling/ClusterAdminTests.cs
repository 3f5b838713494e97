using System.Net.Http.Json;
using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>Admin connect requests across instances: claimed once cluster-wide, and kept when an instance dies.</summary>
public sealed class ClusterAdminTests
{
    private static readonly JsonElement Offer = JsonDocument.Parse("""{"sdp":"v=0"}""").RootElement.Clone();

    private static string AdminToken => Tokens.Create("agent", name: "Agent", roles: ["admin"], org: "acme");

    private static string DeviceToken => Tokens.Create("kiosk", roles: ["client"], org: "acme");

    /// <summary>Requests go to known devices: the device connects once, then goes offline.</summary>
    private static async Task RegisterOfflineDeviceAsync(ISignalingHost host, TestPeer admin)
    {
        var device = await host.ConnectAsync(DeviceToken);
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Online);
        await device.DisposeAsync();
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Offline);
    }

    [Fact]
    public async Task A_queued_request_is_delivered_exactly_once_when_the_device_connects_to_two_instances_at_once()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        await using var admin = await a.ConnectAsync(AdminToken);
        await RegisterOfflineDeviceAsync(b, admin);
        var ids = new List<string>();
        foreach (var priority in new[] { ConnectPriority.Low, ConnectPriority.Urgent, ConnectPriority.Normal })
        {
            var queued = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("kiosk", Offer, priority));
            Assert.Equal(ConnectDispatchStatus.Queued, queued.Status);
            ids.Add(queued.RequestId);
        }

        var devices = await Task.WhenAll(a.ConnectAsync(DeviceToken), b.ConnectAsync(DeviceToken));
        try
        {
            // Requests sent after both connections are registered reach both; once both have it,
            // anything either claimed at connect has arrived before it.
            var control = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("kiosk", Offer, ConnectPriority.Normal));
            var claimed = new List<ConnectRequestEvent>();
            foreach (var device in devices)
            {
                ConnectRequestEvent next;
                while ((next = await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest))).RequestId != control.RequestId)
                {
                    claimed.Add(next);
                }
            }

            // Everything before the control came from a claim: each queued request exactly once, to one connection.
            Assert.Equal(ids.Order(StringComparer.Ordinal), claimed.Select(e => e.RequestId).Order(StringComparer.Ordinal));
            Assert.All(claimed, e => Assert.True(e.WasQueued));

            var updates = new List<ConnectRequestUpdatedEvent>();
            for (var i = 0; i < ids.Count; i++)
            {
                updates.Add(await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.Status == ConnectRequestStatus.Delivered));
            }

            Assert.Equal(ids.Order(StringComparer.Ordinal), updates.Select(u => u.RequestId).Order(StringComparer.Ordinal));
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_queued_request_and_its_history_survive_the_instance_that_queued_it()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        var admin = await a.ConnectAsync(AdminToken);
        await RegisterOfflineDeviceAsync(b, admin);
        var queued = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("kiosk", Offer, ConnectPriority.High));
        Assert.Equal(ConnectDispatchStatus.Queued, queued.Status);

        await a.KillAsync();
        await admin.DisposeAsync();

        await using var device = await b.ConnectAsync(DeviceToken);
        var request = await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
        Assert.Equal((queued.RequestId, true, ConnectPriority.High), (request.RequestId, request.WasQueued, request.Priority));
        await device.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(request.RequestId, true));

        // The admin whose instance died reconnects to the survivor and reads what happened.
        var history = (await b.CreateHttpClient(AdminToken).GetFromJsonAsync<ClientHistory>(
            new Uri("/api/admin/clients/kiosk/history", UriKind.Relative), RedisTestCluster.Json))!;
        Assert.Equal(
            [ClientHistoryEventType.Connected, ClientHistoryEventType.RequestQueued, ClientHistoryEventType.Connected, ClientHistoryEventType.RequestDelivered, ClientHistoryEventType.RequestAccepted],
            history.Events.Where(e => e.RequestId == queued.RequestId || e.Type == ClientHistoryEventType.Connected).Select(e => e.Type));
    }
}
