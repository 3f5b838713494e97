using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Connections;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>
/// Two real instances behind a real HAProxy running <c>deploy/haproxy/signaling.cfg</c>, reached
/// with Microsoft's .NET client as users run it: it negotiates through the balancer, then opens
/// its transport with the connection token, which only the instance that negotiated knows.
/// </summary>
public sealed class LoadBalancerTests : IAsyncLifetime
{
    private const string Org = "lb-tests";

    private const int Candidates = 5;

    private RedisTestCluster _cluster = null!;

    private LoadBalancer _balancer = null!;

    public async Task InitializeAsync()
    {
        _cluster = await RedisTestCluster.StartAsync(2);
        try
        {
            _balancer = await LoadBalancer.StartAsync(_cluster.Instances);
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync throws: the instances would outlive the run.
            await _cluster.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _balancer.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Two_clients_with_default_options_land_on_different_instances_and_complete_a_call()
    {
        await using var alice = await ConnectAsync("alice");
        await using var bob = await ConnectAsync("bob");

        await AssertOnDifferentInstancesAsync(alice, bob);
        await CallAsync(alice, bob, "lb-default");
    }

    [Fact]
    public async Task A_websocket_client_and_a_long_polling_client_on_different_instances_complete_a_call()
    {
        await using var alice = await ConnectAsync("alice", HttpTransportType.WebSockets);
        await using var bob = await ConnectAsync("bob", HttpTransportType.LongPolling);

        await AssertOnDifferentInstancesAsync(alice, bob);
        await CallAsync(alice, bob, "lb-mixed");
    }

    [Fact]
    public async Task A_client_that_drops_the_balancers_cookie_negotiates_on_one_instance_and_is_refused_by_the_other()
    {
        // As a client without a cookie store would: the balancer cannot tell its WebSocket request
        // from a new client's and sends it, round robin, to the instance that did not negotiate.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => OfficialClient.ConnectAsync(
            _balancer, Tokens.Create("cookieless", org: Org), HttpTransportType.WebSockets, options => options.HttpMessageHandlerFactory = handler =>
            {
                ((HttpClientHandler)handler).UseCookies = false;
                return handler;
            }));

        Assert.Contains("status code '404'", refused.Message, StringComparison.Ordinal);
    }

    private Task<OfficialClient> ConnectAsync(string sub, HttpTransportType? transport = null) =>
        OfficialClient.ConnectAsync(_balancer, Tokens.Create(sub, org: Org), transport);

    /// <summary>Round robin sends the second client's negotiate to the other instance; the cookie keeps each there.</summary>
    private async Task AssertOnDifferentInstancesAsync(OfficialClient first, OfficialClient second)
    {
        using var admin = _balancer.CreateHttpClient(Tokens.Create("ops", roles: ["admin"], org: Org));
        string[] ids = [first.ConnectionId, second.ConnectionId];
        var listed = await Eventually.Until(
            async () => (await admin.GetFromJsonAsync<List<ConnectionInfo>>(new Uri("/api/connections", UriKind.Relative), RedisTestCluster.Json))!,
            connections => ids.All(id => connections.Any(c => c.ConnectionId == id)),
            what: "both connections listed by the cluster");
        var instances = ids.Select(id => listed.Single(c => c.ConnectionId == id).InstanceId).ToList();
        Assert.NotEqual(instances[0], instances[1]);
    }

    /// <summary>What a WebRTC call needs from signaling: offer, answer, then trickled candidates both ways, ending with null.</summary>
    private static async Task CallAsync(OfficialClient alice, OfficialClient bob, string roomId)
    {
        await alice.Invoke<JoinRoomResult>(nameof(ISignalingHub.JoinRoom), new JoinRoomRequest(roomId));
        var aliceSeesBob = alice.Expect<PeerInfo>(nameof(ISignalingClient.PeerJoined), 1);
        var bobJoined = await bob.Invoke<JoinRoomResult>(nameof(ISignalingHub.JoinRoom), new JoinRoomRequest(roomId));
        Assert.Contains(bobJoined.Peers, p => p.PeerId == "alice" && p.IsActive);
        Assert.Equal("bob", Assert.Single(await aliceSeesBob).PeerId);

        var offers = bob.Expect<RelayedSdp>(nameof(ISignalingClient.Offer), 1);
        var answers = alice.Expect<RelayedSdp>(nameof(ISignalingClient.Answer), 1);
        var toBob = bob.Expect<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), Candidates + 1);
        var toAlice = alice.Expect<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), Candidates + 1);

        await alice.Invoke(nameof(ISignalingHub.Offer), new SdpMessage(roomId, "bob", "v=0 offer from alice"));
        Assert.Equal(new RelayedSdp(roomId, "alice", "v=0 offer from alice"), Assert.Single(await offers));
        await bob.Invoke(nameof(ISignalingHub.Answer), new SdpMessage(roomId, "alice", "v=0 answer from bob"));
        Assert.Equal(new RelayedSdp(roomId, "bob", "v=0 answer from bob"), Assert.Single(await answers));

        await Task.WhenAll(TrickleAsync(alice, roomId, "alice", "bob"), TrickleAsync(bob, roomId, "bob", "alice"));
        Assert.Equal(CandidatesOf("alice").Select(c => new RelayedIceCandidate(roomId, "alice", c)), await toBob);
        Assert.Equal(CandidatesOf("bob").Select(c => new RelayedIceCandidate(roomId, "bob", c)), await toAlice);
    }

    private static async Task TrickleAsync(OfficialClient sender, string roomId, string from, string to)
    {
        foreach (var candidate in CandidatesOf(from))
        {
            await sender.Invoke(nameof(ISignalingHub.IceCandidate), new IceCandidateMessage(roomId, to, candidate));
        }
    }

    /// <summary>A peer's candidates in the order it gathers them; null is end of candidates.</summary>
    private static IEnumerable<IceCandidateInit?> CandidatesOf(string peer) =>
        Enumerable.Range(0, Candidates)
            .Select(i => new IceCandidateInit($"candidate:{i} 1 udp {2122260223 - i} 192.0.2.{i + 1} {50000 + i} typ host", "0", 0, $"{peer}-ufrag"))
            .Append(null);
}
