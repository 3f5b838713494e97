using System.Text.Json;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("signaling-restart-").FullName;

    [Fact]
    public async Task After_a_restart_a_new_joiner_sees_earlier_members_as_inactive_with_their_state()
    {
        using (var first = new SignalingApplication(dataDirectory: _dataDirectory))
        {
            await using var alice = await first.JoinAsync("alice", "persistent");
            await alice.Client.UpdateMediaState(new UpdateMediaStateRequest("persistent", new MediaState(Audio: true)));
            await alice.Client.UpdateUserData(new UpdateUserDataRequest("persistent",
                new Dictionary<string, JsonElement> { ["status"] = JsonSerializer.SerializeToElement("busy") }));
            await using var bob = await first.JoinAsync("bob", "persistent");
        }

        using var second = new SignalingApplication(dataDirectory: _dataDirectory);
        await using var carol = await second.JoinAsync("carol", "persistent");

        var peers = carol.LastJoin!.Peers.ToDictionary(p => p.PeerId);
        Assert.Equal(["alice", "bob"], peers.Keys.Order());
        Assert.All(peers.Values, p => Assert.False(p.IsActive));
        Assert.True(peers["alice"].MediaState.Audio);
        Assert.Equal("busy", peers["alice"].UserData["status"].GetString());
        Assert.Equal("alice", carol.LastJoin.Room.CreatedBy);

        await using var alice2 = await second.JoinAsync("alice", "persistent");
        Assert.True(alice2.LastJoin!.Reconnected);
    }

    [Fact]
    public async Task Members_of_a_process_that_died_without_cleanup_are_inactive_after_start()
    {
        using var crashed = new SignalingApplication(dataDirectory: _dataDirectory);
        await using var alice = await crashed.JoinAsync("alice", "crash");

        // A second host on the same file starts while the first never got to mark Alice inactive,
        // exactly what the file looks like after a kill -9.
        using var restarted = new SignalingApplication(dataDirectory: _dataDirectory);
        await using var bob = await restarted.JoinAsync("bob", "crash");

        var aliceSeen = Assert.Single(bob.LastJoin!.Peers);
        Assert.Equal("alice", aliceSeen.PeerId);
        Assert.False(aliceSeen.IsActive);
    }

    [Fact]
    public async Task A_queued_connect_request_and_client_history_survive_a_restart()
    {
        string requestId;
        using (var first = new SignalingApplication(dataDirectory: _dataDirectory))
        {
            var device = await first.ConnectAsync(Tokens.Create("device", roles: ["client"], org: "acme"));
            await device.DisposeAsync();
            await using var admin = await first.ConnectAsync(Tokens.Create("agent", roles: ["admin"], org: "acme"));
            // The device may still be closing: queue only once the registry says it is offline.
            while ((await admin.Client.GetClients()).Single().Status != Contracts.Admin.ClientStatus.Offline)
            {
                await admin.Next<Contracts.Admin.ClientStatusChangedEvent>(nameof(Contracts.ISignalingClient.ClientStatusChanged));
            }

            var result = await admin.Client.AdminConnectRequest(new Contracts.Admin.AdminConnectRequestArgs("device", JsonSerializer.SerializeToElement("after restart")));
            Assert.Equal(Contracts.Admin.ConnectDispatchStatus.Queued, result.Status);
            requestId = result.RequestId;
        }

        using var second = new SignalingApplication(dataDirectory: _dataDirectory);
        await using var back = await second.ConnectAsync(Tokens.Create("device", roles: ["client"], org: "acme"));
        var delivered = await back.Next<Contracts.Admin.ConnectRequestEvent>(nameof(Contracts.ISignalingClient.ConnectRequest));
        Assert.Equal((requestId, "after restart"), (delivered.RequestId, delivered.OfferData.GetString()));

        await using var admin2 = await second.ConnectAsync(Tokens.Create("agent", roles: ["admin"], org: "acme"));
        var history = await admin2.Client.GetClientHistory("device");
        Assert.Equal(
            [Contracts.Admin.ClientHistoryEventType.Connected, Contracts.Admin.ClientHistoryEventType.Disconnected,
             Contracts.Admin.ClientHistoryEventType.RequestQueued, Contracts.Admin.ClientHistoryEventType.Connected,
             Contracts.Admin.ClientHistoryEventType.RequestDelivered],
            history.Events.Select(e => e.Type));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }
}
