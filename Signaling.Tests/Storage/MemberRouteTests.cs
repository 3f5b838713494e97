using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Scaling;
using Signaling.Hub.Storage;
using Signaling.Hub.Storage.Redis;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Storage;

/// <summary>
/// Relays to a peer on another instance find it through <see cref="IRoomStore.FindRouteAsync"/>,
/// which the Redis store answers from memory. Two stores on separate Redis connections stand for
/// two instances: what one changes, the other must stop routing to at once, not after an expiry
/// (the clock is fake and never moves, so only the change notice can make these pass).
/// </summary>
public sealed class MemberRouteTests : IAsyncLifetime
{
    private static readonly TimeSpan Prompt = Timeouts.Default;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<RedisConnection> _connections = [];
    private RedisRoomStore _one = null!;
    private RedisRoomStore _two = null!;

    public async Task InitializeAsync()
    {
        var server = await RedisServer.Shared;
        var prefix = RedisServer.UniquePrefix();
        _one = new RedisRoomStore(Connect(server, prefix), _time);
        _two = new RedisRoomStore(Connect(server, prefix), _time);
        await _one.GetOrCreateRoomAsync(new RoomRecord("r", "r", RoomType.Video, 4, new RoomSettings(), 1, "owner", null));
    }

    public Task DisposeAsync()
    {
        _connections.ForEach(c => c.Dispose());
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_route_is_remembered_and_forgotten_when_the_member_leaves_on_another_instance()
    {
        await _one.JoinAsync(Join("alice", "c1", "i1"));
        await RememberedAsync(_two, "alice", new MemberRoute("c1", "i1"));

        await _one.LeaveAsync("r", "alice", "c1", 2);

        await Eventually.Until(async () => await _two.FindRouteAsync("r", "alice") is null, Prompt, "the other instance forgets the route");
        // The writer reads its own write without waiting for the notice.
        Assert.Null(await _one.FindRouteAsync("r", "alice"));
    }

    [Fact]
    public async Task A_rejoin_on_a_new_connection_moves_the_route_on_every_instance()
    {
        await _one.JoinAsync(Join("alice", "c1", "i1"));
        await RememberedAsync(_two, "alice", new MemberRoute("c1", "i1"));
        await RememberedAsync(_one, "alice", new MemberRoute("c1", "i1"));

        // Alice's instance died and she came back through the other one before anyone noticed.
        await _two.JoinAsync(Join("alice", "c2", "i2"));

        Assert.Equal(new MemberRoute("c2", "i2"), await _two.FindRouteAsync("r", "alice"));
        await Eventually.Until(() => _one.FindRouteAsync("r", "alice"), route => route == new MemberRoute("c2", "i2"), Prompt, "the first instance follows the move");
    }

    [Fact]
    public async Task Deleting_the_room_or_losing_the_instance_ends_the_routes_everywhere()
    {
        await _one.JoinAsync(Join("alice", "c1", "i1"));
        await _one.JoinAsync(Join("bob", "c2", "i1"));
        await _one.GetOrCreateRoomAsync(new RoomRecord("s", "s", RoomType.Video, 4, new RoomSettings(), 1, "owner", null));
        await _one.JoinAsync(Join("carol", "c3", "i3", room: "s"));
        await RememberedAsync(_two, "alice", new MemberRoute("c1", "i1"));
        await RememberedAsync(_two, "bob", new MemberRoute("c2", "i1"));
        await RememberedAsync(_two, "carol", new MemberRoute("c3", "i3"), room: "s");

        await _one.DeleteRoomAsync("r");
        await Eventually.Until(async () => await _two.FindRouteAsync("r", "alice") is null && await _two.FindRouteAsync("r", "bob") is null, Prompt, "routes of the deleted room forgotten");
        Assert.NotNull(await _two.FindRouteAsync("s", "carol"));

        await _one.DeactivateInstanceAsync("i3", 5);
        await Eventually.Until(async () => await _two.FindRouteAsync("s", "carol") is null, Prompt, "routes of the lost instance forgotten");
    }

    [Fact]
    public async Task Changes_that_keep_the_connection_keep_the_route()
    {
        await _one.JoinAsync(Join("alice", "c1", "i1"));
        await _one.JoinAsync(Join("bob", "c2", "i1"));
        await RememberedAsync(_two, "alice", new MemberRoute("c1", "i1"));
        await RememberedAsync(_two, "bob", new MemberRoute("c2", "i1"));

        await _one.UpdateMemberAsync("r", "alice", "c1", new MediaState(Video: true), null, 3);
        // Notices arrive in the order of the writes: once Bob's leave is heard, a notice for
        // Alice's update would have been heard too.
        await _one.LeaveAsync("r", "bob", "c2", 4);
        await Eventually.Until(() => Task.FromResult(!_two.RemembersRoute("r", "bob")), Prompt, "Bob's route forgotten");

        Assert.True(_two.RemembersRoute("r", "alice"));
        Assert.Equal(new MemberRoute("c1", "i1"), await _two.FindRouteAsync("r", "alice"));
    }

    /// <summary>Looks the member up until the store answers from memory (its change notices are subscribed on first use).</summary>
    private static async Task RememberedAsync(RedisRoomStore store, string peer, MemberRoute expected, string room = "r") =>
        await Eventually.Until(
            async () => (Route: await store.FindRouteAsync(room, peer), Remembered: store.RemembersRoute(room, peer)),
            found => found.Route == expected && found.Remembered,
            Prompt,
            $"{peer}'s route remembered");

    private RedisConnection Connect(RedisServer server, string prefix)
    {
        var connection = new RedisConnection(
            Options.Create(new RedisOptions { ConnectionString = server.ConnectionString, KeyPrefix = prefix }),
            NullLogger<RedisConnection>.Instance);
        _connections.Add(connection);
        return connection;
    }

    private static JoinCommand Join(string peer, string connection, string instance, string room = "r") =>
        new(room, peer, peer, new MediaState(), null, connection, instance, 1);
}
