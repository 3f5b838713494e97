using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
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

    [Fact]
    public async Task A_connect_request_pending_at_a_restart_expires_on_time_after_it()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var adminToken = Tokens.Create("agent", roles: ["admin"], org: "acme");
        string requestId;
        using (var first = new SignalingApplication(dataDirectory: _dataDirectory, time: time))
        {
            await using var admin = await first.ConnectAsync(adminToken);
            await first.RegisterOfflineDeviceAsync(admin, "device");
            requestId = (await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", JsonSerializer.SerializeToElement("soon"), TtlSeconds: 20))).RequestId;
        }

        using var second = new SignalingApplication(dataDirectory: _dataDirectory, time: time);
        await using var admin2 = await second.ConnectAsync(adminToken);
        var deadline = (await second.CreateHttpClient(adminToken).GetFromJsonAsync<ConnectRequestSummary[]>("/api/admin/connect-requests"))!.Single().ExpiresAt;

        time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(deadline + 1));
        var expired = await admin2.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.RequestId == requestId);
        Assert.Equal((ConnectRequestStatus.Expired, deadline + 1), (expired.Status, expired.At));
    }

    [Fact]
    public async Task A_database_from_before_file_sharing_is_upgraded_in_place()
    {
        // The members table as the first release created it, with one member in it.
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "signaling.db")}"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE rooms (room_id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, max_participants INTEGER NOT NULL,
                    mute_on_entry INTEGER NOT NULL, allow_recording INTEGER NOT NULL, max_duration_minutes INTEGER NULL,
                    created_at INTEGER NOT NULL, created_by TEXT NOT NULL, org TEXT NULL);
                CREATE TABLE members (room_id TEXT NOT NULL, peer_id TEXT NOT NULL, display_name TEXT NOT NULL, is_active INTEGER NOT NULL,
                    joined_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, audio INTEGER NOT NULL, video INTEGER NOT NULL, screen INTEGER NOT NULL,
                    user_data TEXT NOT NULL, connection_id TEXT NULL, instance_id TEXT NULL, PRIMARY KEY (room_id, peer_id));
                INSERT INTO rooms VALUES ('old-room', 'old-room', 'Video', 10, 0, 0, NULL, 1, 'alice', NULL);
                INSERT INTO members VALUES ('old-room', 'alice', 'Alice', 1, 1, 1, 0, 0, 0, '{}', 'gone', 'gone');
                """;
            create.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var app = new SignalingApplication(dataDirectory: _dataDirectory);
        await using var bob = await app.JoinAsync("bob", "old-room");
        var alice = Assert.Single(bob.LastJoin!.Peers);
        Assert.Equal(("alice", false), (alice.PeerId, alice.IsActive));
        Assert.Empty(alice.Files);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }
}
