using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>What survives when an instance dies without a word, and when Redis goes away and comes back.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task When_an_instance_is_killed_survivors_mark_its_peers_inactive_tell_the_rooms_and_drop_it_from_the_counts()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        await using var alice = await a.JoinAsync("alice", "doomed", org: "acme");
        await using var admin = await a.ConnectAsync(Tokens.Create("desk", roles: ["admin"], org: "acme"));
        var bob = await b.JoinAsync("bob", "doomed", org: "acme");
        var kiosk = await b.ConnectAsync(Tokens.Create("kiosk", roles: ["client"], org: "acme"));
        await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined));
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Online);
        await Eventually.Until(() => RedisTestCluster.StatsAsync(a), s => s.Connections.Active == 4, what: "both instances' connections counted");

        var killed = Stopwatch.StartNew();
        await b.KillAsync();

        var left = await alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        var noticedAfter = killed.Elapsed;
        Assert.Equal(("bob", PeerLeftReason.Disconnected), (left.PeerId, left.Reason));
        // Noticed once the heartbeat is older than the timeout, at the survivor's next beat.
        Assert.True(noticedAfter <= RedisTestCluster.InstanceTimeout + 2 * RedisTestCluster.HeartbeatInterval + TimeSpan.FromSeconds(2),
            $"PeerLeft took {noticedAfter}");
        var offline = await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Offline);
        Assert.Equal("kiosk", offline.ClientId);

        var room = (await a.CreateHttpClient(Tokens.Create("alice", org: "acme"))
            .GetFromJsonAsync<RoomDetails>(new Uri("/api/rooms/doomed", UriKind.Relative), RedisTestCluster.Json))!;
        Assert.False(Assert.Single(room.Members, m => m.PeerId == "bob").IsActive);
        Assert.True(Assert.Single(room.Members, m => m.PeerId == "alice").IsActive);

        var stats = await RedisTestCluster.StatsAsync(a);
        Assert.Equal((1, 2L, 1L, 0L), (stats.Instances, stats.Connections.Active, stats.Peers.Active, stats.Clients.Online));

        await bob.DisposeAsync();
        await kiosk.DisposeAsync();
    }

    [Fact]
    public async Task Through_a_Redis_outage_local_relay_works_readiness_fails_and_cross_instance_relay_comes_back_by_itself()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var cluster = await RedisTestCluster.StartAsync(2, redis);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        await using var alice = await a.JoinAsync("alice", "outage");
        await using var carol = await a.JoinAsync("carol", "outage");
        await using var bob = await b.JoinAsync("bob", "outage");
        var http = a.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);

        await redis.StopAsync();

        await Eventually.Until(async () => (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.ServiceUnavailable,
            what: "readiness reporting the outage");
        await alice.Client.Offer(new SdpMessage("outage", "carol", "v=0 during outage"));
        Assert.Equal("v=0 during outage", (await carol.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);

        await redis.StartAgainAsync();

        // Sends while the instances reconnect are dropped (and logged): keep sending until one arrives.
        await Eventually.Until(async () => (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "readiness after Redis is back");
        await Eventually.Until(async () =>
        {
            try
            {
                await alice.Client.Offer(new SdpMessage("outage", "bob", "v=0 after outage"));
            }
            catch (Signaling.Client.SignalingException)
            {
                return false;
            }

            return bob.Pending(nameof(ISignalingClient.Offer)).Count > 0;
        }, TimeSpan.FromSeconds(30), "cross-instance relay after Redis is back");
    }
}
