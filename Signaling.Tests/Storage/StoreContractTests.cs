using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Admin;
using Signaling.Hub.Files;
using Signaling.Hub.Infrastructure.Redis;
using Signaling.Hub.Infrastructure.Sqlite;
using Signaling.Hub.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Storage;

/// <summary>The four store interfaces as one implementation provides them.</summary>
public sealed record Stores(IRoomStore Rooms, IMemberStore Members, IFileRecords Files, IClientStore Clients, IConnectRequestStore Requests, IAdminInboxStore Admins)
{
    /// <summary>One room store serves the three ports, as it does in the app.</summary>
    public static Stores Of<TRoomStore>(TRoomStore rooms, IClientStore clients, IConnectRequestStore requests, IAdminInboxStore admins)
        where TRoomStore : IRoomStore, IMemberStore, IFileRecords => new(rooms, rooms, rooms, clients, requests, admins);
}

/// <summary>
/// The behaviour every store implementation must share; each subclass runs it against one
/// implementation with fresh, empty storage.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private const long T0 = 1_700_000_000_000;
    private Stores? _stores;

    private IRoomStore Rooms => _stores!.Rooms;

    private IMemberStore Members => _stores!.Members;

    private IFileRecords Files => _stores!.Files;

    private IClientStore Clients => _stores!.Clients;

    private IConnectRequestStore Requests => _stores!.Requests;

    private IAdminInboxStore Admins => _stores!.Admins;

    protected abstract Task<Stores> CreateStoresAsync();

    protected abstract Task DisposeStoresAsync();

    public async Task InitializeAsync() => _stores = await CreateStoresAsync();

    public Task DisposeAsync() => DisposeStoresAsync();

    // ---- rooms ----

    [Fact]
    public async Task GetOrCreateRoom_creates_once_and_returns_the_stored_room()
    {
        Assert.Null(await Rooms.GetRoomAsync("r"));
        var created = await Rooms.GetOrCreateRoomAsync(Room("r", max: 3, org: "acme", settings: new RoomSettings(true, true, 30)));
        Assert.Equal(Room("r", max: 3, org: "acme", settings: new RoomSettings(true, true, 30)), created);

        var again = await Rooms.GetOrCreateRoomAsync(Room("r", max: 9, name: "other") with { CreatedAt = T0 + 5 });
        Assert.Equal(created, again);
        Assert.Equal(created, await Rooms.GetRoomAsync("r"));
    }

    [Fact]
    public async Task The_connection_of_an_active_member_is_found_and_follows_replace_leave_loss_and_delete()
    {
        await Rooms.GetOrCreateRoomAsync(Room("routes"));
        Assert.Null(await Members.FindConnectionAsync("routes", "alice"));

        await Members.JoinAsync(Join("routes", "alice", "c1"));
        Assert.Equal("c1", await Members.FindConnectionAsync("routes", "alice"));
        await Members.JoinAsync(Join("routes", "alice", "c2", instance: "i2"));
        Assert.Equal("c2", await Members.FindConnectionAsync("routes", "alice"));
        Assert.Null(await Members.LeaveAsync("routes", "alice", "c1", T0 + 1));
        Assert.Equal("c2", await Members.FindConnectionAsync("routes", "alice"));
        await Members.LeaveAsync("routes", "alice", "c2", T0 + 2);
        Assert.Null(await Members.FindConnectionAsync("routes", "alice"));

        await Members.JoinAsync(Join("routes", "bob", "c3", instance: "dead"));
        await Members.DeactivateInstanceAsync("dead", T0 + 3);
        Assert.Null(await Members.FindConnectionAsync("routes", "bob"));

        await Members.JoinAsync(Join("routes", "carol", "c4"));
        await Rooms.DeleteRoomAsync("routes");
        Assert.Null(await Members.FindConnectionAsync("routes", "carol"));
        await Rooms.GetOrCreateRoomAsync(Room("routes"));
        Assert.Null(await Members.FindConnectionAsync("routes", "carol"));
    }

    [Fact]
    public async Task Join_of_an_unknown_room_reports_RoomNotFound()
    {
        var outcome = await Members.JoinAsync(Join("nowhere", "alice", "c1"));
        Assert.Equal(JoinStatus.RoomNotFound, outcome.Status);
        Assert.Null(outcome.Member);
        Assert.Null(await Members.GetMemberAsync("nowhere", "alice"));
    }

    [Fact]
    public async Task Ten_concurrent_joins_of_a_room_for_two_let_exactly_two_in()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r", max: 2));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => Members.JoinAsync(Join("r", $"peer{i}", $"conn{i}")))));

        Assert.Equal(2, outcomes.Count(o => o.Status == JoinStatus.Joined));
        Assert.Equal(8, outcomes.Count(o => o.Status == JoinStatus.RoomFull));
        var members = await Members.GetMembersAsync("r");
        Assert.Equal(2, members.Count(m => m.IsActive));
        Assert.Equal(
            outcomes.Where(o => o.Status == JoinStatus.Joined).Select(o => o.Member!.PeerId).Order(),
            members.Select(m => m.PeerId).Order());
        Assert.Equal(new RoomCounts(1, 1, 2), await Rooms.CountAsync());
    }

    [Fact]
    public async Task A_full_room_refuses_and_names_the_members_that_filled_it()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r", max: 1));
        await Members.JoinAsync(Join("r", "alice", "c1"));

        var refused = await Members.JoinAsync(Join("r", "bob", "c2"));
        Assert.Equal(JoinStatus.RoomFull, refused.Status);
        Assert.False(refused.Reconnected);
        Assert.Null(refused.Member);
        Assert.Equal(["alice"], refused.Members.Select(m => m.PeerId));
        Assert.Null(await Members.GetMemberAsync("r", "bob"));

        // An inactive member does not fill the room.
        await Members.LeaveAsync("r", "alice", "c1", T0 + 1);
        Assert.Equal(JoinStatus.Joined, (await Members.JoinAsync(Join("r", "bob", "c2"))).Status);
    }

    [Fact]
    public async Task Rejoin_reports_Reconnected_and_the_replaced_connection_and_does_not_count_against_capacity()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r", max: 1));
        var data = new Dictionary<string, JsonElement> { ["role"] = Json("\"host\"") };
        var first = await Members.JoinAsync(Join("r", "alice", "c1", userData: data));
        Assert.Equal(JoinStatus.Joined, first.Status);
        Assert.False(first.Reconnected);
        Assert.Null(first.ReplacedConnectionId);
        Assert.Equal(1, first.ActiveCount);

        var second = await Members.JoinAsync(Join("r", "alice", "c2", instance: "i2", now: T0 + 10));
        Assert.Equal(JoinStatus.Joined, second.Status);
        Assert.True(second.Reconnected);
        Assert.Equal("c1", second.ReplacedConnectionId);
        Assert.Equal("c2", second.Member!.ConnectionId);
        Assert.Equal("i2", second.Member.InstanceId);
        Assert.Equal(T0 + 10, second.Member.JoinedAt);
        Assert.Equal("\"host\"", second.Member.UserData["role"].GetRawText());
        Assert.Single(second.Members);
        Assert.Equal(new RoomCounts(1, 1, 1), await Rooms.CountAsync());

        // Rejoining after leaving is a reconnection with nothing replaced.
        await Members.LeaveAsync("r", "alice", "c2", T0 + 20);
        var third = await Members.JoinAsync(Join("r", "alice", "c3", now: T0 + 30));
        Assert.True(third.Reconnected);
        Assert.Null(third.ReplacedConnectionId);
    }

    [Fact]
    public async Task Leave_from_a_replaced_connection_does_nothing()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r"));
        await Members.JoinAsync(Join("r", "alice", "c1"));
        await Members.JoinAsync(Join("r", "alice", "c2"));

        Assert.Null(await Members.LeaveAsync("r", "alice", "c1", T0 + 5));
        var member = await Members.GetMemberAsync("r", "alice");
        Assert.True(member!.IsActive);
        Assert.Equal("c2", member.ConnectionId);

        var left = await Members.LeaveAsync("r", "alice", "c2", T0 + 7);
        Assert.NotNull(left);
        Assert.False(left.IsActive);
        Assert.Equal(T0 + 7, left.LastSeen);
        Assert.Null(left.ConnectionId);
        Assert.Null(left.InstanceId);
        Assert.Equal(left, await Members.GetMemberAsync("r", "alice"), MemberComparer.Instance);
        Assert.Null(await Members.LeaveAsync("r", "alice", "c2", T0 + 8));
        Assert.Null(await Members.LeaveAsync("r", "nobody", "c9", T0 + 8));
        Assert.Equal(new RoomCounts(1, 0, 0), await Rooms.CountAsync());
    }

    [Fact]
    public async Task UpdateMember_changes_only_what_is_given_and_only_on_the_holding_connection()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r"));
        var data = new Dictionary<string, JsonElement> { ["n"] = Json("{\"deep\":[1,2.50,12345678901234567890]}") };
        await Members.JoinAsync(Join("r", "alice", "c1", userData: data));

        Assert.Null(await Members.UpdateMemberAsync("r", "alice", "other", new MediaState(true, true, true), null, T0 + 1));
        Assert.Null(await Members.UpdateMemberAsync("r", "bob", "c1", new MediaState(true), null, T0 + 1));

        var media = await Members.UpdateMemberAsync("r", "alice", "c1", new MediaState(Audio: true, Screen: true), null, T0 + 2);
        Assert.Equal(new MediaState(true, false, true), media!.MediaState);
        Assert.Equal(T0 + 2, media.LastSeen);
        Assert.Equal("{\"deep\":[1,2.50,12345678901234567890]}", media.UserData["n"].GetRawText());

        var replacement = new Dictionary<string, JsonElement> { ["x"] = Json("true") };
        var updated = await Members.UpdateMemberAsync("r", "alice", "c1", null, replacement, T0 + 3);
        Assert.Equal(new MediaState(true, false, true), updated!.MediaState);
        Assert.Equal(["x"], updated.UserData.Keys);

        var stored = await Members.GetMemberAsync("r", "alice");
        Assert.Equal(updated, stored, MemberComparer.Instance);

        await Members.LeaveAsync("r", "alice", "c1", T0 + 4);
        Assert.Null(await Members.UpdateMemberAsync("r", "alice", "c1", new MediaState(), null, T0 + 5));
    }

    [Fact]
    public async Task DeactivateInstance_touches_only_that_instances_members_and_null_means_every_instance()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r1"));
        await Rooms.GetOrCreateRoomAsync(Room("r2"));
        await Members.JoinAsync(Join("r1", "a", "ca", instance: "i1"));
        await Members.JoinAsync(Join("r1", "b", "cb", instance: "i2"));
        await Members.JoinAsync(Join("r2", "c", "cc", instance: "i1"));
        await Members.JoinAsync(Join("r2", "d", "cd", instance: "i1"));
        await Members.LeaveAsync("r2", "d", "cd", T0 + 1);

        var stale = await Members.DeactivateInstanceAsync("i1", T0 + 50);
        Assert.Equal(["a", "c"], stale.Select(m => m.PeerId).Order());
        Assert.All(stale, m =>
        {
            Assert.False(m.IsActive);
            Assert.Equal(T0 + 50, m.LastSeen);
            Assert.Null(m.ConnectionId);
            Assert.Null(m.InstanceId);
        });
        Assert.False((await Members.GetMemberAsync("r1", "a"))!.IsActive);
        Assert.True((await Members.GetMemberAsync("r1", "b"))!.IsActive);
        Assert.Equal(T0 + 1, (await Members.GetMemberAsync("r2", "d"))!.LastSeen);
        Assert.Equal(new RoomCounts(2, 1, 1), await Rooms.CountAsync());
        Assert.Empty(await Members.DeactivateInstanceAsync("i1", T0 + 60));

        // The instance joins again after recovery; its new membership is found again.
        await Members.JoinAsync(Join("r2", "c", "cc2", instance: "i1"));
        var all = await Members.DeactivateInstanceAsync(null, T0 + 70);
        Assert.Equal(["b", "c"], all.Select(m => m.PeerId).Order());
        Assert.Equal(new RoomCounts(2, 0, 0), await Rooms.CountAsync());
    }

    [Fact]
    public async Task Members_are_listed_by_join_time_then_peer_id()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r"));
        await Members.JoinAsync(Join("r", "zed", "c1", now: T0 + 1));
        await Members.JoinAsync(Join("r", "bob", "c2", now: T0 + 2));
        await Members.JoinAsync(Join("r", "amy", "c3", now: T0 + 2));
        await Members.JoinAsync(Join("r", "cat", "c4", now: T0 + 0));

        Assert.Equal(["cat", "zed", "amy", "bob"], (await Members.GetMembersAsync("r")).Select(m => m.PeerId));
        var last = await Members.JoinAsync(Join("r", "eve", "c5", now: T0 + 3));
        Assert.Equal(["cat", "zed", "amy", "bob", "eve"], last.Members.Select(m => m.PeerId));
        Assert.Empty(await Members.GetMembersAsync("none"));
    }

    [Fact]
    public async Task Rooms_are_listed_per_organization_newest_first_then_by_id_descending_with_paging_and_total()
    {
        await Rooms.GetOrCreateRoomAsync(Room("b", org: "acme", createdAt: T0 + 1));
        await Rooms.GetOrCreateRoomAsync(Room("a", org: "acme", createdAt: T0 + 1));
        await Rooms.GetOrCreateRoomAsync(Room("z", org: "acme", createdAt: T0));
        await Rooms.GetOrCreateRoomAsync(Room("c", org: "acme", createdAt: T0 + 2));
        await Rooms.GetOrCreateRoomAsync(Room("x", org: "other", createdAt: T0));
        await Rooms.GetOrCreateRoomAsync(Room("n", org: null, createdAt: T0));

        var (all, total) = await Rooms.ListRoomsAsync("acme", 0, 10);
        Assert.Equal(["c", "b", "a", "z"], all.Select(r => r.RoomId));
        Assert.Equal(4, total);

        var (page, pageTotal) = await Rooms.ListRoomsAsync("acme", 1, 2);
        Assert.Equal(["b", "a"], page.Select(r => r.RoomId));
        Assert.Equal(4, pageTotal);

        var (beyond, beyondTotal) = await Rooms.ListRoomsAsync("acme", 10, 2);
        Assert.Empty(beyond);
        Assert.Equal(4, beyondTotal);

        var (none, noneTotal) = await Rooms.ListRoomsAsync(null, 0, 10);
        Assert.Equal(["n"], none.Select(r => r.RoomId));
        Assert.Equal(1, noneTotal);
        Assert.Equal(0, (await Rooms.ListRoomsAsync("nobody", 0, 10)).Total);
    }

    [Fact]
    public async Task Deleting_a_room_removes_its_members_and_files()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r", org: "acme"));
        await Members.JoinAsync(Join("r", "alice", "c1", instance: "i1"));
        await Members.JoinAsync(Join("r", "bob", "c2", instance: "i1"));
        await Files.AddFileAsync("r", "alice", File("f1"));
        await Rooms.GetOrCreateRoomAsync(Room("keep", org: "acme"));
        await Members.JoinAsync(Join("keep", "carol", "c3", instance: "i1"));

        Assert.True(await Rooms.DeleteRoomAsync("r"));
        Assert.False(await Rooms.DeleteRoomAsync("r"));
        Assert.False(await Rooms.DeleteRoomAsync("never"));
        Assert.Null(await Rooms.GetRoomAsync("r"));
        Assert.Null(await Members.GetMemberAsync("r", "alice"));
        Assert.Empty(await Members.GetMembersAsync("r"));
        Assert.Null(await Files.GetFileAsync("f1"));
        Assert.Equal(["keep"], (await Rooms.ListRoomsAsync("acme", 0, 10)).Items.Select(r => r.RoomId));
        Assert.Equal(new RoomCounts(1, 1, 1), await Rooms.CountAsync());
        Assert.Equal(JoinStatus.RoomNotFound, (await Members.JoinAsync(Join("r", "alice", "c1"))).Status);

        // Recovery of the instance finds only the member of the room that still exists.
        Assert.Equal(["carol"], (await Members.DeactivateInstanceAsync("i1", T0 + 5)).Select(m => m.PeerId));

        // A room created again under the same id starts empty, and is told apart by its creation id.
        var again = await Rooms.GetOrCreateRoomAsync(Room("r", org: "acme") with { CreationId = "second" });
        Assert.Equal("second", again.CreationId);
        Assert.Equal("second", (await Rooms.GetRoomAsync("r"))!.CreationId);
        Assert.Empty(await Members.GetMembersAsync("r"));
        Assert.False((await Members.JoinAsync(Join("r", "alice", "c9"))).Reconnected);
    }

    [Fact]
    public async Task Expired_rooms_are_those_past_their_duration_and_idle_rooms_without_active_members()
    {
        await Rooms.GetOrCreateRoomAsync(Room("timed", createdAt: T0, settings: new RoomSettings(MaxDurationMinutes: 1)));
        await Members.JoinAsync(Join("timed", "a", "c1", now: T0 + 100));
        await Rooms.GetOrCreateRoomAsync(Room("empty", createdAt: T0));
        await Rooms.GetOrCreateRoomAsync(Room("left", createdAt: T0));
        await Members.JoinAsync(Join("left", "b", "c2", now: T0 + 100));
        await Members.LeaveAsync("left", "b", "c2", T0 + 5_000);
        await Rooms.GetOrCreateRoomAsync(Room("busy", createdAt: T0));
        await Members.JoinAsync(Join("busy", "c", "c3", now: T0 + 100));

        Assert.Equal(["empty"], (await Rooms.FindExpiredRoomsAsync(T0 + 4_999, T0 + 59_999)).Select(r => r.RoomId));
        Assert.Equal(["empty", "left"], (await Rooms.FindExpiredRoomsAsync(T0 + 5_000, T0 + 59_999)).Select(r => r.RoomId).Order());
        Assert.Equal(["empty", "left", "timed"], (await Rooms.FindExpiredRoomsAsync(T0 + 5_000, T0 + 60_000)).Select(r => r.RoomId).Order());

        // A member coming back makes the room busy again.
        await Members.JoinAsync(Join("left", "b", "c4", now: T0 + 6_000));
        Assert.Equal(["empty"], (await Rooms.FindExpiredRoomsAsync(T0 + 10_000, T0)).Select(r => r.RoomId));
    }

    [Fact]
    public async Task A_room_found_idle_is_not_deleted_as_expired_once_someone_has_joined_it()
    {
        await Rooms.GetOrCreateRoomAsync(Room("idle", createdAt: T0));
        await Rooms.GetOrCreateRoomAsync(Room("timed", createdAt: T0, settings: new RoomSettings(MaxDurationMinutes: 1)));
        await Members.JoinAsync(Join("timed", "a", "c2", now: T0 + 100));
        Assert.Equal(["idle"], (await Rooms.FindExpiredRoomsAsync(T0 + 5_000, T0 + 5_000)).Select(r => r.RoomId));

        // The sweep found it idle; a member joins before the sweep deletes it.
        await Members.JoinAsync(Join("idle", "late", "c1", now: T0 + 5_001));
        Assert.False(await Rooms.DeleteExpiredRoomAsync("idle", T0 + 5_000, T0 + 5_000));
        Assert.NotNull(await Rooms.GetRoomAsync("idle"));
        Assert.True((await Members.GetMembersAsync("idle")).Single().IsActive);

        // Idle again, and for long enough: now it goes.
        await Members.LeaveAsync("idle", "late", "c1", T0 + 6_000);
        Assert.False(await Rooms.DeleteExpiredRoomAsync("idle", T0 + 5_999, T0 + 5_999));
        Assert.True(await Rooms.DeleteExpiredRoomAsync("idle", T0 + 6_000, T0 + 6_000));
        Assert.Null(await Rooms.GetRoomAsync("idle"));

        // A room past its maximum duration goes with its members still in it.
        Assert.False(await Rooms.DeleteExpiredRoomAsync("timed", T0, T0 + 59_999));
        Assert.True(await Rooms.DeleteExpiredRoomAsync("timed", T0, T0 + 60_000));
        Assert.Null(await Rooms.GetRoomAsync("timed"));
        Assert.False(await Rooms.DeleteExpiredRoomAsync("timed", T0, T0 + 60_000));
    }

    [Fact]
    public async Task The_next_room_deadline_is_the_earliest_maximum_duration_or_idle_timeout_still_to_come()
    {
        const long idleFor = 10_000;
        Assert.Null(await Rooms.NextDeadlineAsync(idleFor, T0));
        await Rooms.GetOrCreateRoomAsync(Room("timed", createdAt: T0, settings: new RoomSettings(MaxDurationMinutes: 1)));
        await Members.JoinAsync(Join("timed", "a", "c1", now: T0 + 100));
        Assert.Equal(T0 + 60_000, await Rooms.NextDeadlineAsync(idleFor, T0));

        // Created empty: idle from its creation; busy while a member is active; idle again from its last activity.
        await Rooms.GetOrCreateRoomAsync(Room("quiet", createdAt: T0 + 1_000));
        Assert.Equal(T0 + 11_000, await Rooms.NextDeadlineAsync(idleFor, T0));
        await Members.JoinAsync(Join("quiet", "b", "c2", now: T0 + 2_000));
        Assert.Equal(T0 + 60_000, await Rooms.NextDeadlineAsync(idleFor, T0));
        await Members.LeaveAsync("quiet", "b", "c2", T0 + 5_000);
        Assert.Equal(T0 + 15_000, await Rooms.NextDeadlineAsync(idleFor, T0));

        // What is due by 'after' is for the sweep at 'after', not the next deadline.
        Assert.Equal(T0 + 60_000, await Rooms.NextDeadlineAsync(idleFor, T0 + 15_000));
        Assert.Null(await Rooms.NextDeadlineAsync(idleFor, T0 + 60_000));
        await Rooms.DeleteRoomAsync("quiet");
        Assert.Equal(T0 + 60_000, await Rooms.NextDeadlineAsync(idleFor, T0));
    }

    [Fact]
    public async Task Files_link_only_to_active_members_and_are_found_by_id()
    {
        await Rooms.GetOrCreateRoomAsync(Room("r"));
        await Members.JoinAsync(Join("r", "alice", "c1"));
        await Members.JoinAsync(Join("r", "bob", "c2"));
        await Members.LeaveAsync("r", "bob", "c2", T0 + 1);

        Assert.Null(await Files.AddFileAsync("r", "bob", File("f0")));
        Assert.Null(await Files.AddFileAsync("r", "nobody", File("f0")));
        Assert.Null(await Files.GetFileAsync("f0"));

        var member = await Files.AddFileAsync("r", "alice", File("f1"));
        member = await Files.AddFileAsync("r", "alice", File("f2"));
        Assert.Equal(["f1", "f2"], member!.Files!.Select(f => f.FileId));
        Assert.Equal(["f1", "f2"], (await Members.GetMemberAsync("r", "alice"))!.Files!.Select(f => f.FileId));
        Assert.Equal(new StoredFile(File("f2"), "r", "alice"), await Files.GetFileAsync("f2"));

        // Files stay with the member across a rejoin.
        await Members.JoinAsync(Join("r", "alice", "c3"));
        Assert.Equal(2, (await Members.GetMemberAsync("r", "alice"))!.Files!.Count);
    }

    [Fact]
    public async Task Room_counts_follow_rooms_and_active_members()
    {
        Assert.Equal(new RoomCounts(0, 0, 0), await Rooms.CountAsync());
        await Rooms.GetOrCreateRoomAsync(Room("r1"));
        await Rooms.GetOrCreateRoomAsync(Room("r2"));
        await Rooms.GetOrCreateRoomAsync(Room("r3"));
        await Members.JoinAsync(Join("r1", "a", "c1"));
        await Members.JoinAsync(Join("r1", "b", "c2"));
        await Members.JoinAsync(Join("r2", "c", "c3"));
        Assert.Equal(new RoomCounts(3, 2, 3), await Rooms.CountAsync());
        await Members.LeaveAsync("r2", "c", "c3", T0 + 1);
        Assert.Equal(new RoomCounts(3, 1, 2), await Rooms.CountAsync());
        await Rooms.DeleteRoomAsync("r1");
        Assert.Equal(new RoomCounts(2, 0, 0), await Rooms.CountAsync());
    }

    // ---- clients ----

    [Fact]
    public async Task Client_connections_report_reconnection_and_online_offline_crossings()
    {
        var first = await Clients.ClientConnectedAsync("acme", "dev1", "Ann", "c1", "i1", T0);
        Assert.False(first.Reconnected);
        Assert.True(first.Crossed);
        Assert.Equal(new ClientRecord("acme", "dev1", "Ann", T0, T0, 1, 1), first.Client);
        Assert.Equal(ClientStatus.Online, first.Client.Status);

        var second = await Clients.ClientConnectedAsync("acme", "dev1", "Ann B", "c2", "i2", T0 + 10);
        Assert.True(second.Reconnected);
        Assert.False(second.Crossed);
        Assert.Equal(new ClientRecord("acme", "dev1", "Ann B", T0, T0 + 10, 2, 2), second.Client);

        var one = await Clients.ClientDisconnectedAsync("acme", "dev1", "c1", T0 + 20);
        Assert.True(one!.Reconnected);
        Assert.False(one.Crossed);
        Assert.Equal(1, one.Client.OnlineConnections);

        var last = await Clients.ClientDisconnectedAsync("acme", "dev1", "c2", T0 + 30);
        Assert.True(last!.Crossed);
        Assert.Equal(new ClientRecord("acme", "dev1", "Ann B", T0, T0 + 30, 2, 0), last.Client);
        Assert.Equal(ClientStatus.Offline, last.Client.Status);
        Assert.Null(await Clients.ClientDisconnectedAsync("acme", "dev1", "c2", T0 + 40));
        Assert.Null(await Clients.ClientDisconnectedAsync("acme", "ghost", "c9", T0 + 40));

        var back = await Clients.ClientConnectedAsync("acme", "dev1", "Ann B", "c3", "i1", T0 + 50);
        Assert.True(back.Reconnected);
        Assert.True(back.Crossed);
        Assert.Equal(3, back.Client.ConnectCount);
    }

    [Fact]
    public async Task History_is_oldest_first_and_limited_to_the_most_recent_entries()
    {
        await Clients.ClientConnectedAsync("acme", "dev1", "Ann", "c1", "i1", T0);
        await Clients.ClientDisconnectedAsync("acme", "dev1", "c1", T0 + 1);
        await Clients.ClientConnectedAsync("acme", "dev1", "Ann", "c2", "i1", T0 + 2);
        await Clients.ClientConnectedAsync("acme", "dev2", "Bob", "c3", "i1", T0 + 3);

        var all = await Clients.GetHistoryAsync("acme", "dev1", 10);
        Assert.Equal(
            [new(ClientHistoryEventType.Connected, T0), new(ClientHistoryEventType.Disconnected, T0 + 1), new ClientHistoryEntry(ClientHistoryEventType.Connected, T0 + 2)],
            all);
        Assert.Equal([T0 + 1, T0 + 2], (await Clients.GetHistoryAsync("acme", "dev1", 2)).Select(e => e.At));
        Assert.Empty(await Clients.GetHistoryAsync("acme", "nobody", 10));
        Assert.Empty(await Clients.GetHistoryAsync("other", "dev1", 10));
    }

    [Fact]
    public async Task Clients_are_listed_per_organization_by_id()
    {
        await Clients.ClientConnectedAsync("acme", "zeta", "Z", "c1", "i1", T0);
        await Clients.ClientConnectedAsync("acme", "alpha", "A", "c2", "i1", T0);
        await Clients.ClientDisconnectedAsync("acme", "alpha", "c2", T0 + 1);
        await Clients.ClientConnectedAsync("other", "beta", "B", "c3", "i1", T0);

        var listed = await Clients.ListClientsAsync("acme");
        Assert.Equal(["alpha", "zeta"], listed.Select(c => c.ClientId));
        Assert.Equal([0, 1], listed.Select(c => c.OnlineConnections));
        Assert.Equal(new ClientRecord("acme", "alpha", "A", T0, T0 + 1, 1, 0), await Clients.GetClientAsync("acme", "alpha"));
        Assert.Null(await Clients.GetClientAsync("acme", "beta"));
        Assert.Empty(await Clients.ListClientsAsync("nobody"));
    }

    [Fact]
    public async Task RemoveInstanceConnections_takes_offline_only_clients_left_without_a_connection()
    {
        await Clients.ClientConnectedAsync("acme", "only1", "A", "c1", "i1", T0);
        await Clients.ClientConnectedAsync("acme", "only1", "A", "c2", "i1", T0);
        await Clients.ClientConnectedAsync("acme", "both", "B", "c3", "i1", T0);
        await Clients.ClientConnectedAsync("acme", "both", "B", "c4", "i2", T0);
        await Clients.ClientConnectedAsync("acme", "only2", "C", "c5", "i2", T0);

        var offline = await Clients.RemoveInstanceConnectionsAsync("i1", T0 + 100);
        Assert.Equal([new ClientRecord("acme", "only1", "A", T0, T0 + 100, 2, 0)], offline);
        Assert.Equal(1, (await Clients.GetClientAsync("acme", "both"))!.OnlineConnections);
        Assert.Equal([ClientHistoryEventType.Connected, ClientHistoryEventType.Connected, ClientHistoryEventType.Disconnected],
            (await Clients.GetHistoryAsync("acme", "only1", 10)).Select(e => e.Type));
        Assert.Equal(new PresenceCounts(3, 2), await Clients.CountAsync());
        Assert.Null(await Clients.ClientDisconnectedAsync("acme", "both", "c3", T0 + 101));

        var rest = await Clients.RemoveInstanceConnectionsAsync(null, T0 + 200);
        Assert.Equal(["both", "only2"], rest.Select(c => c.ClientId).Order());
        Assert.Equal(new PresenceCounts(3, 0), await Clients.CountAsync());
        Assert.Empty(await Clients.RemoveInstanceConnectionsAsync(null, T0 + 300));
    }

    [Fact]
    public async Task Client_counts_are_known_and_online_clients()
    {
        Assert.Equal(new PresenceCounts(0, 0), await Clients.CountAsync());
        await Clients.ClientConnectedAsync("acme", "a", "A", "c1", "i1", T0);
        await Clients.ClientConnectedAsync("acme", "a", "A", "c2", "i1", T0);
        await Clients.ClientConnectedAsync("other", "a", "A", "c3", "i1", T0);
        await Clients.ClientConnectedAsync("acme", "b", "B", "c4", "i1", T0);
        Assert.Equal(new PresenceCounts(3, 3), await Clients.CountAsync());
        await Clients.ClientDisconnectedAsync("acme", "b", "c4", T0);
        await Clients.ClientDisconnectedAsync("acme", "a", "c1", T0);
        Assert.Equal(new PresenceCounts(3, 2), await Clients.CountAsync());
    }

    // ---- connect requests ----

    [Fact]
    public async Task A_request_is_sent_to_an_online_client_and_queued_for_an_offline_one_until_the_queue_is_full()
    {
        await Clients.ClientConnectedAsync("acme", "online", "On", "c1", "i1", T0);
        var sent = await Requests.CreateAsync(Request("r1", "online"), 2);
        Assert.Equal(CreateRequestStatus.Sent, sent.Status);
        Assert.Null(sent.QueuePosition);
        Assert.Equal(ConnectRequestStatus.Delivered, sent.Request.Status);
        Assert.False(sent.Request.WasQueued);

        var q1 = await Requests.CreateAsync(Request("q1", "away"), 2);
        Assert.Equal(CreateRequestStatus.Queued, q1.Status);
        Assert.Equal(1, q1.QueuePosition);
        Assert.Equal(ConnectRequestStatus.Queued, q1.Request.Status);
        Assert.True(q1.Request.WasQueued);

        var q2 = await Requests.CreateAsync(Request("q2", "away", ConnectPriority.Urgent, createdAt: T0 + 1), 2);
        Assert.Equal(1, q2.QueuePosition);
        var full = await Requests.CreateAsync(Request("q3", "away"), 2);
        Assert.Equal(CreateRequestStatus.QueueFull, full.Status);
        Assert.Null(full.QueuePosition);

        // A full queue does not stop delivery to an online client, and QueueFull stores nothing.
        Assert.Equal(CreateRequestStatus.Sent, (await Requests.CreateAsync(Request("r2", "online"), 0)).Status);
        Assert.DoesNotContain("q3", (await Requests.ListAsync("acme", 10)).Select(r => r.RequestId));
        Assert.Equal(new Dictionary<string, int> { ["away"] = 2 }, await Requests.QueuedCountsAsync("acme"));
        Assert.Equal(new RequestCounts(2, 2, 4), await Requests.CountAsync());

        Assert.Equal(
            [new(ClientHistoryEventType.RequestQueued, T0, "q1"), new ClientHistoryEntry(ClientHistoryEventType.RequestQueued, T0 + 1, "q2")],
            await Clients.GetHistoryAsync("acme", "away", 10));
        Assert.Equal(ClientHistoryEventType.RequestDelivered, (await Clients.GetHistoryAsync("acme", "online", 1))[0].Type);
    }

    [Fact]
    public async Task Claim_delivers_the_queue_by_priority_then_age_once()
    {
        var data = Json("{\"sdp\":\"v=0\",\"n\":1.50}");
        await Requests.CreateAsync(Request("low", "dev", ConnectPriority.Low, T0), 10);
        await Requests.CreateAsync(Request("urgent-new", "dev", ConnectPriority.Urgent, T0 + 5), 10);
        await Requests.CreateAsync(Request("normal", "dev", ConnectPriority.Normal, T0) with { OfferData = data }, 10);
        await Requests.CreateAsync(Request("high", "dev", ConnectPriority.High, T0 + 9), 10);
        var position = await Requests.CreateAsync(Request("urgent-old", "dev", ConnectPriority.Urgent, T0 + 1), 10);
        Assert.Equal(1, position.QueuePosition);
        var tie = await Requests.CreateAsync(Request("urgent-new-2", "dev", ConnectPriority.Urgent, T0 + 5), 10);
        Assert.Equal(3, tie.QueuePosition);
        await Requests.CreateAsync(Request("elsewhere", "dev2", ConnectPriority.Urgent, T0), 10);

        var claimed = await Requests.ClaimQueuedAsync("acme", "dev", T0 + 100);
        Assert.Equal(["urgent-old", "urgent-new", "urgent-new-2", "high", "normal", "low"], claimed.Select(r => r.RequestId));
        Assert.All(claimed, r => Assert.Equal(ConnectRequestStatus.Delivered, r.Status));
        Assert.All(claimed, r => Assert.True(r.WasQueued));
        Assert.Equal("{\"sdp\":\"v=0\",\"n\":1.50}", claimed.Single(r => r.RequestId == "normal").OfferData.GetRawText());
        Assert.Equal(ConnectPriority.High, claimed.Single(r => r.RequestId == "high").Priority);

        Assert.Empty(await Requests.ClaimQueuedAsync("acme", "dev", T0 + 101));
        Assert.Equal(new Dictionary<string, int> { ["dev2"] = 1 }, await Requests.QueuedCountsAsync("acme"));
        Assert.Equal(new RequestCounts(6, 1, 7), await Requests.CountAsync());
        var history = await Clients.GetHistoryAsync("acme", "dev", 6);
        Assert.All(history, e => Assert.Equal(ClientHistoryEventType.RequestDelivered, e.Type));
        Assert.Equal(["urgent-old", "urgent-new", "urgent-new-2", "high", "normal", "low"], history.Select(e => e.RequestId));
    }

    [Fact]
    public async Task Concurrent_claims_deliver_each_queued_request_exactly_once()
    {
        var ids = Enumerable.Range(0, 20).Select(i => $"req{i}").ToList();
        foreach (var id in ids)
        {
            await Requests.CreateAsync(Request(id, "dev"), 100);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Requests.ClaimQueuedAsync("acme", "dev", T0 + 1))));
        var delivered = claims.SelectMany(c => c).Select(r => r.RequestId).ToList();
        Assert.Equal(ids.Order(), delivered.Order());
        Assert.Equal(new RequestCounts(20, 0, 20), await Requests.CountAsync());
    }

    [Fact]
    public async Task Respond_answers_a_delivered_live_request_of_that_client_once()
    {
        await Clients.ClientConnectedAsync("acme", "dev", "D", "c1", "i1", T0);
        await Requests.CreateAsync(Request("a", "dev", expiresAt: T0 + 1000), 10);
        await Requests.CreateAsync(Request("d", "dev", expiresAt: T0 + 1000), 10);
        await Requests.CreateAsync(Request("late", "dev", expiresAt: T0 + 1000), 10);
        await Requests.CreateAsync(Request("queued", "away"), 10);

        Assert.Null(await Requests.RespondAsync("acme", "other", "a", true, null, null, T0 + 1));
        Assert.Null(await Requests.RespondAsync("other", "dev", "a", true, null, null, T0 + 1));
        Assert.Null(await Requests.RespondAsync("acme", "away", "queued", true, null, null, T0 + 1));
        Assert.Null(await Requests.RespondAsync("acme", "dev", "missing", true, null, null, T0 + 1));
        Assert.Null(await Requests.RespondAsync("acme", "dev", "late", true, null, null, T0 + 1000));

        var answer = Json("{\"sdp\":\"answer\"}");
        var accepted = await Requests.RespondAsync("acme", "dev", "a", true, answer, null, T0 + 2);
        Assert.Equal(ConnectRequestStatus.Accepted, accepted!.Status);
        Assert.Equal("{\"sdp\":\"answer\"}", accepted.AnswerData!.Value.GetRawText());
        Assert.Equal(T0 + 2, accepted.AnsweredAt);
        Assert.Null(accepted.Reason);
        Assert.Null(await Requests.RespondAsync("acme", "dev", "a", false, null, "again", T0 + 3));

        var declined = await Requests.RespondAsync("acme", "dev", "d", false, null, "busy", T0 + 4);
        Assert.Equal(ConnectRequestStatus.Declined, declined!.Status);
        Assert.Equal("busy", declined.Reason);
        Assert.Null(declined.AnswerData);

        var listed = (await Requests.ListAsync("acme", 10)).ToDictionary(r => r.RequestId);
        Assert.Equal(ConnectRequestStatus.Accepted, listed["a"].Status);
        Assert.Equal("{\"sdp\":\"answer\"}", listed["a"].AnswerData!.Value.GetRawText());
        Assert.Equal("busy", listed["d"].Reason);
        Assert.Equal(new RequestCounts(1, 1, 4), await Requests.CountAsync());
        var history = await Clients.GetHistoryAsync("acme", "dev", 2);
        Assert.Equal([new(ClientHistoryEventType.RequestAccepted, T0 + 2, "a"), new ClientHistoryEntry(ClientHistoryEventType.RequestDeclined, T0 + 4, "d", "busy")], history);
    }

    [Fact]
    public async Task Cancel_is_for_the_admins_own_live_request_and_takes_it_out_of_the_queue()
    {
        await Requests.CreateAsync(Request("q", "dev", admin: "boss"), 10);
        await Clients.ClientConnectedAsync("acme", "dev2", "D", "c1", "i1", T0);
        await Requests.CreateAsync(Request("d", "dev2", admin: "boss"), 10);

        Assert.Null(await Requests.CancelAsync("acme", "intern", "q", T0 + 1));
        Assert.Null(await Requests.CancelAsync("other", "boss", "q", T0 + 1));
        var cancelled = await Requests.CancelAsync("acme", "boss", "q", T0 + 2);
        Assert.Equal(ConnectRequestStatus.Cancelled, cancelled!.Status);
        Assert.Equal(T0 + 2, cancelled.AnsweredAt);
        Assert.Null(await Requests.CancelAsync("acme", "boss", "q", T0 + 3));
        Assert.Equal(ConnectRequestStatus.Cancelled, (await Requests.CancelAsync("acme", "boss", "d", T0 + 4))!.Status);

        Assert.Empty(await Requests.QueuedCountsAsync("acme"));
        Assert.Empty(await Requests.ClaimQueuedAsync("acme", "dev", T0 + 5));
        Assert.Null(await Requests.RespondAsync("acme", "dev2", "d", true, null, null, T0 + 5));
        Assert.Equal(new RequestCounts(0, 0, 2), await Requests.CountAsync());
        Assert.Equal(new ClientHistoryEntry(ClientHistoryEventType.RequestCancelled, T0 + 2, "q"), (await Clients.GetHistoryAsync("acme", "dev", 1))[0]);
    }

    [Fact]
    public async Task Expired_requests_are_settled_once_and_never_claimed()
    {
        await Requests.CreateAsync(Request("q-old", "dev", expiresAt: T0 + 100), 10);
        await Requests.CreateAsync(Request("q-live", "dev", expiresAt: T0 + 1000), 10);
        await Clients.ClientConnectedAsync("acme", "dev2", "D", "c1", "i1", T0);
        await Requests.CreateAsync(Request("d-old", "dev2", expiresAt: T0 + 100), 10);
        await Requests.CreateAsync(Request("answered", "dev2", expiresAt: T0 + 100), 10);
        await Requests.RespondAsync("acme", "dev2", "answered", true, null, null, T0 + 1);

        // Past its time to live but not yet expired by the sweep: still not claimable.
        Assert.DoesNotContain("q-old", (await Requests.ClaimQueuedAsync("acme", "dev", T0 + 100)).Select(r => r.RequestId));
        Assert.Empty(await Requests.ExpireAsync(T0 + 99));

        var expired = await Requests.ExpireAsync(T0 + 100);
        Assert.Equal(["d-old", "q-old"], expired.Select(r => r.RequestId).Order());
        Assert.All(expired, r =>
        {
            Assert.Equal(ConnectRequestStatus.Expired, r.Status);
            Assert.Equal("time to live ran out", r.Reason);
            Assert.Equal(T0 + 100, r.AnsweredAt);
        });
        Assert.Empty(await Requests.ExpireAsync(T0 + 200));
        Assert.Null(await Requests.CancelAsync("acme", "admin", "q-old", T0 + 201));
        Assert.Empty(await Requests.ClaimQueuedAsync("acme", "dev", T0 + 201));
        Assert.Equal(new RequestCounts(1, 0, 4), await Requests.CountAsync());
        Assert.Equal(ClientHistoryEventType.RequestExpired, (await Clients.GetHistoryAsync("acme", "dev", 1))[0].Type);
        Assert.Equal(ConnectRequestStatus.Accepted, (await Requests.ListAsync("acme", 10)).Single(r => r.RequestId == "answered").Status);
    }

    [Fact]
    public async Task The_next_expiry_is_the_earliest_time_to_live_of_a_live_request_still_to_come()
    {
        Assert.Null(await Requests.NextExpiryAsync(T0));
        await Requests.CreateAsync(Request("late", "dev", expiresAt: T0 + 3_000), 10);
        await Requests.CreateAsync(Request("soon", "dev", expiresAt: T0 + 1_000), 10);
        await Clients.ClientConnectedAsync("acme", "dev2", "D", "c1", "i1", T0);
        await Requests.CreateAsync(Request("delivered", "dev2", expiresAt: T0 + 2_000), 10);
        Assert.Equal(T0 + 1_000, await Requests.NextExpiryAsync(T0));
        Assert.Equal(T0 + 2_000, await Requests.NextExpiryAsync(T0 + 1_000));

        // Answered and cancelled requests have no deadline left, nor do expired ones.
        await Requests.RespondAsync("acme", "dev2", "delivered", true, null, null, T0 + 10);
        await Requests.CancelAsync("acme", "admin", "soon", T0 + 10);
        Assert.Equal(T0 + 3_000, await Requests.NextExpiryAsync(T0));
        await Requests.ExpireAsync(T0 + 3_000);
        Assert.Null(await Requests.NextExpiryAsync(T0));
    }

    [Fact]
    public async Task Sweeps_racing_each_other_expire_each_request_once()
    {
        var ids = Enumerable.Range(0, 50).Select(i => $"q{i}").ToList();
        foreach (var id in ids)
        {
            await Requests.CreateAsync(Request(id, "dev", expiresAt: T0 + 100), 100);
        }

        // As every instance of a cluster sweeps when the deadline comes.
        var sweeps = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Requests.ExpireAsync(T0 + 100)));
        Assert.Equal(ids.Order(StringComparer.Ordinal), sweeps.SelectMany(s => s).Select(r => r.RequestId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Requests_are_listed_newest_first_per_organization()
    {
        await Requests.CreateAsync(Request("first", "dev", createdAt: T0), 10);
        await Requests.CreateAsync(Request("third", "dev", createdAt: T0 + 2), 10);
        await Requests.CreateAsync(Request("second-a", "dev", createdAt: T0 + 1), 10);
        await Requests.CreateAsync(Request("second-b", "dev", createdAt: T0 + 1), 10);
        await Requests.CreateAsync(Request("foreign", "dev", createdAt: T0 + 5) with { Org = "other" }, 10);

        Assert.Equal(["third", "second-b", "second-a", "first"], (await Requests.ListAsync("acme", 10)).Select(r => r.RequestId));
        Assert.Equal(["third", "second-b"], (await Requests.ListAsync("acme", 2)).Select(r => r.RequestId));
        var stored = (await Requests.ListAsync("other", 10)).Single();
        Assert.Equal(Request("foreign", "dev", createdAt: T0 + 5) with { Org = "other", Status = ConnectRequestStatus.Queued, WasQueued = true, OfferData = default },
            stored with { OfferData = default });
        Assert.Equal(new Dictionary<string, int> { ["dev"] = 4 }, await Requests.QueuedCountsAsync("acme"));
    }

    // ---- admins ----

    [Fact]
    public async Task Notifications_are_kept_for_known_absent_admins_and_taken_oldest_first()
    {
        await Admins.AdminConnectedAsync("acme", "here", "c1", "i1");
        await Admins.AdminConnectedAsync("acme", "away", "c2", "i1");
        await Admins.AdminDisconnectedAsync("acme", "away", "c2");
        await Admins.AdminConnectedAsync("acme", "away2", "c3", "i1");
        await Admins.AdminDisconnectedAsync("acme", "away2", "c3");
        await Admins.AdminConnectedAsync("other", "stranger", "c4", "i1");
        await Admins.AdminDisconnectedAsync("other", "stranger", "c4");

        var one = new Notification(NotificationType.ClientOnline, T0, "dev1");
        var two = new Notification(NotificationType.RequestUpdated, T0 + 1, "dev1", "r1", ConnectRequestStatus.Accepted, "fine");
        await Admins.KeepForAbsentAsync("acme", null, one);
        await Admins.KeepForAbsentAsync("acme", "away", two);
        await Admins.KeepForAbsentAsync("acme", "here", two);
        await Admins.KeepForAbsentAsync("acme", "unknown", two);

        Assert.Equal([one, two], await Admins.TakeAsync("acme", "away"));
        Assert.Empty(await Admins.TakeAsync("acme", "away"));
        Assert.Equal([one], await Admins.TakeAsync("acme", "away2"));
        Assert.Empty(await Admins.TakeAsync("acme", "here"));
        Assert.Empty(await Admins.TakeAsync("acme", "unknown"));
        Assert.Empty(await Admins.TakeAsync("other", "stranger"));
    }

    [Fact]
    public async Task An_admin_away_for_long_keeps_the_newest_thousand_notifications()
    {
        await Admins.AdminConnectedAsync("acme", "away", "c1", "i1");
        await Admins.AdminDisconnectedAsync("acme", "away", "c1");
        for (var i = 0; i < 1003; i++)
        {
            await Admins.KeepForAbsentAsync("acme", "away", new Notification(NotificationType.ClientOnline, T0 + i));
        }

        var kept = await Admins.TakeAsync("acme", "away");
        Assert.Equal(1000, kept.Count);
        Assert.Equal(T0 + 3, kept[0].At);
        Assert.Equal(T0 + 1002, kept[^1].At);
    }

    [Fact]
    public async Task Admin_connections_of_a_dead_instance_are_dropped_and_counted()
    {
        Assert.Equal(new PresenceCounts(0, 0), await Admins.CountAsync());
        await Admins.AdminConnectedAsync("acme", "a", "c1", "i1");
        await Admins.AdminConnectedAsync("acme", "a", "c2", "i1");
        await Admins.AdminConnectedAsync("acme", "b", "c3", "i1");
        await Admins.AdminConnectedAsync("acme", "b", "c4", "i2");
        await Admins.AdminConnectedAsync("other", "a", "c5", "i2");
        Assert.Equal(new PresenceCounts(3, 3), await Admins.CountAsync());

        await Admins.RemoveInstanceConnectionsAsync("i1");
        Assert.Equal(new PresenceCounts(3, 2), await Admins.CountAsync());
        var note = new Notification(NotificationType.ClientOnline, T0);
        await Admins.KeepForAbsentAsync("acme", null, note);
        Assert.Equal([note], await Admins.TakeAsync("acme", "a"));
        Assert.Empty(await Admins.TakeAsync("acme", "b"));

        await Admins.RemoveInstanceConnectionsAsync(null);
        Assert.Equal(new PresenceCounts(3, 0), await Admins.CountAsync());
        await Admins.AdminConnectedAsync("acme", "a", "c6", "i3");
        await Admins.AdminDisconnectedAsync("acme", "a", "unknown");
        Assert.Equal(new PresenceCounts(3, 1), await Admins.CountAsync());
    }

    [Fact]
    public async Task Identifiers_containing_separators_stay_apart()
    {
        await Clients.ClientConnectedAsync("a:b", "c", "X", "k:1", "i:1", T0);
        await Clients.ClientConnectedAsync("a", "b:c", "Y", "k:2", "i:1", T0);
        Assert.Equal("X", (await Clients.GetClientAsync("a:b", "c"))!.UserName);
        Assert.Equal("Y", (await Clients.GetClientAsync("a", "b:c"))!.UserName);
        var offline = await Clients.RemoveInstanceConnectionsAsync("i:1", T0 + 1);
        Assert.Equal(["a/b:c", "a:b/c"], offline.Select(c => $"{c.Org}/{c.ClientId}").Order(StringComparer.Ordinal));

        await Admins.AdminConnectedAsync("o:p", "q", "k:3", "i:1");
        await Admins.AdminDisconnectedAsync("o:p", "q", "k:3");
        await Admins.AdminConnectedAsync("o", "p:q", "k:4", "i:1");
        var note = new Notification(NotificationType.ClientOnline, T0);
        await Admins.KeepForAbsentAsync("o:p", null, note);
        Assert.Empty(await Admins.TakeAsync("o", "p:q"));
        Assert.Equal([note], await Admins.TakeAsync("o:p", "q"));

        await Rooms.GetOrCreateRoomAsync(Room("x:y"));
        await Rooms.GetOrCreateRoomAsync(Room("x"));
        await Members.JoinAsync(Join("x:y", "p", "k", instance: "i:1"));
        Assert.Empty(await Members.GetMembersAsync("x"));
        Assert.Equal(["p"], (await Members.DeactivateInstanceAsync("i:1", T0 + 2)).Select(m => m.PeerId));
    }

    // ---- helpers ----

    private static RoomRecord Room(string id, int max = 10, string? org = null, long createdAt = T0, RoomSettings? settings = null, string? name = null) =>
        new(id, name ?? $"Room {id}", RoomType.Video, max, settings ?? new RoomSettings(), createdAt, "creator", org, $"creation-of-{id}");

    private static JoinCommand Join(string room, string peer, string connection, string instance = "i1", long now = T0, IReadOnlyDictionary<string, JsonElement>? userData = null) =>
        new(room, peer, peer.ToUpperInvariant(), new MediaState(Audio: true), userData, connection, instance, now);

    private static SharedFile File(string id) => new(id, $"{id}.txt", "text/plain", 42, T0, $"/api/files/{id}");

    private static ConnectRequestRecord Request(string id, string client, ConnectPriority priority = ConnectPriority.Normal, long createdAt = T0, long? expiresAt = null, string admin = "admin") =>
        new(id, "acme", client, admin, "Admin A", Json("{\"sdp\":\"offer\"}"), priority, createdAt, expiresAt ?? createdAt + 3_600_000, ConnectRequestStatus.Queued, false);

    private static JsonElement Json(string raw)
    {
        using var document = JsonDocument.Parse(raw);
        return document.RootElement.Clone();
    }

    /// <summary>Records holding JsonElement and collections do not compare by value; this compares what was stored.</summary>
    private sealed class MemberComparer : IEqualityComparer<MemberRecord?>
    {
        public static readonly MemberComparer Instance = new();

        public bool Equals(MemberRecord? x, MemberRecord? y) => Describe(x) == Describe(y);

        public int GetHashCode(MemberRecord? obj) => Describe(obj).GetHashCode(StringComparison.Ordinal);

        private static string Describe(MemberRecord? m) => m is null ? "null" : JsonSerializer.Serialize(m);
    }
}

public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("signaling-store-").FullName;
    private SqliteDatabase? _db;

    protected override Task<Stores> CreateStoresAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_directory, "store.db"));
        return Task.FromResult(Stores.Of(new SqliteRoomStore(_db), new SqliteClientStore(_db), new SqliteConnectRequestStore(_db), new SqliteAdminInboxStore(_db)));
    }

    protected override Task DisposeStoresAsync()
    {
        _db?.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

public sealed class RedisStoreContractTests : StoreContractTests
{
    private RedisConnection? _redis;

    protected override async Task<Stores> CreateStoresAsync()
    {
        var server = await RedisServer.Shared;
        _redis = new RedisConnection(
            Options.Create(new RedisOptions { ConnectionString = server.ConnectionString, KeyPrefix = RedisServer.UniquePrefix() }),
            NullLogger<RedisConnection>.Instance);
        return Stores.Of(new RedisRoomStore(_redis), new RedisClientStore(_redis), new RedisConnectRequestStore(_redis), new RedisAdminInboxStore(_redis));
    }

    protected override Task DisposeStoresAsync()
    {
        _redis?.Dispose();
        return Task.CompletedTask;
    }
}
