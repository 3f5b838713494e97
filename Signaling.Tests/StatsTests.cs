using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;
using ConnectionInfo = Signaling.Contracts.Http.ConnectionInfo;

namespace Signaling.Tests;

public sealed class StatsTests : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly SignalingApplication _app = new();

    [Fact]
    public async Task Stats_count_connections_rooms_peers_clients_admins_and_relayed_messages()
    {
        await using var admin = await _app.ConnectAsync(Tokens.Create("desk", roles: ["admin"], org: "acme"));
        await using var device = await _app.ConnectAsync(Tokens.Create("kiosk", roles: ["client"], org: "acme"));
        await using var alice = await _app.JoinAsync("alice", "stats-room");
        var bob = await _app.JoinAsync("bob", "stats-room");
        await alice.Client.Offer(new SdpMessage("stats-room", "bob", "v=0"));
        await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer));

        var stats = await GetStatsAsync();
        Assert.Equal(1, stats.Instances);
        Assert.Equal(new ConnectionStats(4, 4), stats.Connections);
        Assert.Equal(new RoomStats(1, 1, 2), stats.Rooms);
        Assert.Equal(new PeerStats(2), stats.Peers);
        Assert.Equal(new ClientStats(1, 1, 0), stats.Clients);
        Assert.Equal(new AdminStats(1, 1), stats.Admins);
        Assert.Equal(new MessageStats(1), stats.Messages);
        Assert.InRange(stats.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        await bob.DisposeAsync();
        await alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        await device.DisposeAsync();
        stats = await Eventually.Until(GetStatsAsync, s => s.Clients.Online == 0, what: "the device counted offline");
        Assert.Equal(new ConnectionStats(2, 4), stats.Connections);
        Assert.Equal(new PeerStats(1), stats.Peers);
        Assert.Equal(new ClientStats(1, 0, 1), stats.Clients);
    }

    [Fact]
    public async Task Stats_can_be_made_to_require_a_token()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Stats:RequireAuthentication"] = "true" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateHttpClient().GetAsync(new Uri("/api/stats", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateHttpClient(Tokens.Create("someone")).GetAsync(new Uri("/api/stats", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateHttpClient().GetAsync(new Uri("/api/stats", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Connections_lists_the_admins_own_organization_with_rooms_and_refuses_others()
    {
        var adminToken = Tokens.Create("desk", roles: ["admin"], org: "acme");
        await using var alice = await _app.JoinAsync("alice", "acme-room", org: "acme");
        await using var mallory = await _app.JoinAsync("mallory", "globex-room", org: "globex");

        var response = await _app.CreateHttpClient(adminToken).GetAsync(new Uri("/api/connections", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var listed = (await response.Content.ReadFromJsonAsync<List<ConnectionInfo>>(Json))!;
        var only = Assert.Single(listed);
        Assert.Equal(("alice", "acme", "acme-room"), (only.UserId, only.Org, string.Join(",", only.Rooms)));
        Assert.False(string.IsNullOrEmpty(only.InstanceId));

        await ProblemAssert.Code(await _app.CreateHttpClient(Tokens.Create("alice", org: "acme")).GetAsync(new Uri("/api/connections", UriKind.Relative)),
            HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateHttpClient().GetAsync(new Uri("/api/connections", UriKind.Relative))).StatusCode);
    }

    private async Task<StatsSnapshot> GetStatsAsync() =>
        (await _app.CreateHttpClient().GetFromJsonAsync<StatsSnapshot>(new Uri("/api/stats", UriKind.Relative), Json))!;

    public void Dispose() => _app.Dispose();
}
