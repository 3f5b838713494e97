using System.Net.Http.Json;
using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;
using Signaling.Tests.Scaling;
using Xunit.Abstractions;

namespace Signaling.Tests.Reliability;

/// <summary>
/// Faults under traffic with real processes: an instance killed with kill -9 while two peers
/// stream numbered candidates across instances (this file), and Redis killed and restarted under
/// several streams (<c>InstanceFaultTests.RedisRestart.cs</c>). Each test writes its figures to
/// the test output; docs/reliability.md quotes them.
/// </summary>
public sealed partial class InstanceFaultTests(ITestOutputHelper output)
{
    private const string Room = "call";

    /// <summary>Numbers each side must have received before the fault, and after the re-join.</summary>
    private const int Warmup = 100;

    [Fact]
    public async Task After_a_kill_9_the_peer_rejoins_the_survivor_and_the_exchange_goes_on_without_loss_or_duplicates()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (survivor, doomed) = (cluster.Instances[0], cluster.Instances[1]);
        await using var exchange = await Exchange.StartAsync(survivor, doomed);

        var clock = await exchange.KillAsync(doomed);
        var left = await exchange.Alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft), e => e.PeerId == "bob");
        var noticedAfter = clock.Elapsed;
        Assert.Equal(PeerLeftReason.Disconnected, left.Reason);
        Assert.True(noticedAfter <= RedisTestCluster.InstanceTimeout + 2 * RedisTestCluster.HeartbeatInterval + TimeSpan.FromSeconds(2),
            $"PeerLeft took {noticedAfter}");

        var (join, joinTook) = await exchange.RejoinAsync(survivor);
        Assert.True(join.Reconnected, "a member before the kill: reconnected");
        Assert.Equal("alice", Assert.Single(join.Peers).PeerId);
        var joined = await exchange.Alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined), p => p.PeerId == "bob");
        Assert.True(joined.IsActive);

        await exchange.FinishAsync();
        await exchange.AssertNoGhostAsync(survivor);
        output.WriteLine($"kill -9 mid-exchange, re-join after PeerLeft: PeerLeft after {noticedAfter.TotalMilliseconds:F0} ms; JoinRoom on the survivor took {joinTook.TotalMilliseconds:F0} ms");
        output.WriteLine(exchange.Figures());
    }

    /// <summary>
    /// A client that reconnects at once (SignalR's first automatic retry has no delay) re-joins
    /// before the survivor has noticed the death: its old membership still looks active, held by
    /// the dead instance, so the join replaces it.
    /// </summary>
    [Fact]
    public async Task After_a_kill_9_a_peer_that_rejoins_before_the_survivor_notices_replaces_its_old_session_and_no_ghost_follows()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (survivor, doomed) = (cluster.Instances[0], cluster.Instances[1]);
        await using var admin = await survivor.ConnectAsync(Tokens.Create("desk", roles: ["admin"], org: "acme"));
        // A device on the doomed instance: its going offline tells the test the survivor has cleaned up after the death.
        var kiosk = await doomed.ConnectAsync(Tokens.Create("kiosk", roles: ["client"], org: "acme"));
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Online);
        await using var exchange = await Exchange.StartAsync(survivor, doomed);

        var clock = await exchange.KillAsync(doomed);
        var (join, joinTook) = await exchange.RejoinAsync(survivor);
        Assert.True(join.Reconnected);
        Assert.True(joinTook < TimeSpan.FromSeconds(3), $"JoinRoom took {joinTook}: it waited on the dead instance");
        var left = await exchange.Alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft), e => e.PeerId == "bob");
        Assert.Equal(PeerLeftReason.Replaced, left.Reason);
        var joined = await exchange.Alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined), p => p.PeerId == "bob");
        Assert.True(joined.IsActive);

        var offline = await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Offline);
        Assert.Equal("kiosk", offline.ClientId);
        var cleanedAfter = clock.Elapsed;

        // The clean-up told the rooms before the admins; whatever Bob sends after it reaches Alice after any PeerLeft it caused.
        await exchange.FinishAsync();
        await exchange.AssertNoGhostAsync(survivor);
        output.WriteLine($"kill -9 mid-exchange, re-join at once: JoinRoom on the survivor took {joinTook.TotalMilliseconds:F0} ms; the survivor cleaned up after {cleanedAfter.TotalMilliseconds:F0} ms");
        output.WriteLine(exchange.Figures());
        await kiosk.DisposeAsync();
    }

    /// <summary>
    /// The admin and the device were last on the instance that dies; the request queued there
    /// lives in Redis, so the survivor still holds it and hands it over exactly once.
    /// </summary>
    [Fact]
    public async Task A_request_queued_before_a_kill_9_is_still_queued_after_it_and_the_survivor_delivers_it_once_with_its_history()
    {
        var adminToken = Tokens.Create("agent", name: "Agent", roles: ["admin"], org: "acme");
        var deviceToken = Tokens.Create("kiosk", roles: ["client"], org: "acme");
        var offer = JsonDocument.Parse("""{"sdp":"v=0"}""").RootElement.Clone();
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (survivor, doomed) = (cluster.Instances[0], cluster.Instances[1]);
        var admin = await doomed.ConnectAsync(adminToken);
        var device = await doomed.ConnectAsync(deviceToken);
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Online);
        await device.DisposeAsync();
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Offline);
        var queued = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("kiosk", offer, ConnectPriority.High));
        Assert.Equal(ConnectDispatchStatus.Queued, queued.Status);

        await doomed.KillAsync();
        await admin.DisposeAsync();

        // Still queued, as the survivor sees it, before the device is back.
        var http = survivor.CreateHttpClient(adminToken);
        var listed = (await http.GetFromJsonAsync<List<ConnectRequestSummary>>(new Uri("/api/admin/connect-requests", UriKind.Relative), RedisTestCluster.Json))!;
        Assert.Equal(ConnectRequestStatus.Queued, Assert.Single(listed, r => r.RequestId == queued.RequestId).Status);
        Assert.Equal(1, (await RedisTestCluster.StatsAsync(survivor)).Requests.Queued);

        await using var agent = await survivor.ConnectAsync(adminToken);
        await using var kiosk = await survivor.ConnectAsync(deviceToken);
        var request = await kiosk.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
        Assert.Equal((queued.RequestId, true, ConnectPriority.High), (request.RequestId, request.WasQueued, request.Priority));
        // Exactly once: a request sent now is the next one the device sees.
        var control = await agent.Client.AdminConnectRequest(new AdminConnectRequestArgs("kiosk", offer));
        Assert.Equal(ConnectDispatchStatus.Sent, control.Status);
        Assert.Equal(control.RequestId, (await kiosk.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest))).RequestId);
        await kiosk.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(request.RequestId, true));
        var updates = new List<ConnectRequestStatus>();
        while (updates.LastOrDefault() != ConnectRequestStatus.Accepted)
        {
            updates.Add((await agent.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.RequestId == queued.RequestId)).Status);
        }

        Assert.Equal([ConnectRequestStatus.Delivered, ConnectRequestStatus.Accepted], updates);
        var history = (await http.GetFromJsonAsync<ClientHistory>(new Uri("/api/admin/clients/kiosk/history", UriKind.Relative), RedisTestCluster.Json))!;
        Assert.Equal(
            [ClientHistoryEventType.Connected, ClientHistoryEventType.Disconnected, ClientHistoryEventType.RequestQueued,
             ClientHistoryEventType.Connected, ClientHistoryEventType.RequestDelivered, ClientHistoryEventType.RequestAccepted],
            history.Events.Where(e => e.RequestId is null || e.RequestId == queued.RequestId).Select(e => e.Type));
        Assert.Equal(0, (await RedisTestCluster.StatsAsync(survivor)).Requests.Queued);
    }

    /// <summary>Outcomes counted by result, e.g. <c>ok 212, PEER_NOT_FOUND 95</c>.</summary>
    private static string Describe(IEnumerable<SendOutcome> outcomes)
    {
        var counts = outcomes.GroupBy(o => o.Result).Select(g => $"{g.Key} {g.Count()}").ToList();
        return counts.Count == 0 ? "none" : string.Join(", ", counts);
    }
}
