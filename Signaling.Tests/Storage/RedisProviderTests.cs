using Microsoft.Extensions.DependencyInjection;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Hub.Infrastructure.Redis;
using Signaling.Hub.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Storage;

public sealed class RedisProviderTests
{
    [Fact]
    public async Task With_the_Redis_provider_two_peers_join_and_relay_an_offer()
    {
        var redis = await RedisServer.Shared;
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Storage:Provider"] = "Redis",
            ["Signaling:Redis:ConnectionString"] = redis.ConnectionString,
            ["Signaling:Redis:KeyPrefix"] = RedisServer.UniquePrefix(),
        });

        await using var alice = await app.JoinAsync("alice", "call");
        await using var bob = await app.JoinAsync("bob", "call");

        await alice.Client.Offer(new SdpMessage("call", "bob", "v=0 offer"));
        Assert.Equal(new RelayedSdp("call", "alice", "v=0 offer"), await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer)));

        // The membership that authorized the relay lives in Redis, not in a SQLite file.
        var rooms = app.Services.GetRequiredService<IMemberStore>();
        Assert.IsType<RedisRoomStore>(rooms);
        var members = await rooms.GetMembersAsync("call");
        Assert.Equal(["alice", "bob"], members.Where(m => m.IsActive).Select(m => m.PeerId).Order());
    }

    [Fact]
    public void The_Redis_provider_without_a_connection_string_fails_start_with_a_message_naming_the_key()
    {
        var ex = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Storage:Provider"] = "Redis" }));
        Assert.Contains("Signaling:Redis:ConnectionString", ProblemAssert.Messages(ex), StringComparison.Ordinal);
    }
}
