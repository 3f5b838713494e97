using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>Admin connect requests across instances: claimed once cluster-wide, and kept when an instance dies.</summary>
public sealed class ClusterAdminTests
{
    private static readonly JsonElement Offer = JsonDocument.Parse("""{"sdp":"v=0"}""").RootElement.Clone();

    private static string AdminToken => Tokens.Create("agent", name: "Agent", roles: ["admin"], org: "acme");

    private static string DeviceToken => Tokens.Create("kiosk", roles: ["client"], org: "acme");

    [Fact]
    public async Task A_queued_request_is_delivered_exactly_once_when_the_device_connects_to_two_instances_at_once()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        await using var admin = await a.ConnectAsync(AdminToken);
        await b.RegisterOfflineDeviceAsync(admin, "kiosk");
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
    public async Task A_request_made_on_one_instance_is_reported_expired_on_time_to_its_admin_on_another()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        await using var admin = await a.ConnectAsync(AdminToken);
        await b.RegisterOfflineDeviceAsync(admin, "kiosk");
        using var http = b.CreateHttpClient(AdminToken);

        var clock = Stopwatch.StartNew();
        var response = await http.PostAsJsonAsync(new Uri("/api/admin/clients/kiosk/connect-requests", UriKind.Relative), new CreateConnectRequestBody(Offer, TtlSeconds: 1), RedisTestCluster.Json);
        var created = (await response.Content.ReadFromJsonAsync<ConnectRequestResult>(RedisTestCluster.Json))!;
        Assert.Equal(ConnectDispatchStatus.Queued, created.Status);
        var expired = await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.RequestId == created.RequestId)
            .WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(ConnectRequestStatus.Expired, expired.Status);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"expired after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_queued_request_and_its_history_survive_the_instance_that_queued_it()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        var admin = await a.ConnectAsync(AdminToken);
        await b.RegisterOfflineDeviceAsync(admin, "kiosk");
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
