using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;
using Signaling.Tests.Scaling;

namespace Signaling.Tests.Reliability;

public sealed partial class InstanceFaultTests
{
    /// <summary>
    /// A room deleted right after one of its members' instance died, before any survivor noticed:
    /// the member still looks active on the dead instance, whose acknowledgement of leaving the
    /// room's group will never come. The deletion must not wait for it (10 s per such member).
    /// </summary>
    [Fact]
    public async Task Deleting_a_room_right_after_a_kill_9_does_not_wait_on_the_dead_instance()
    {
        await using var cluster = await RedisTestCluster.StartAsync(2);
        var (survivor, doomed) = (cluster.Instances[0], cluster.Instances[1]);
        var owner = survivor.CreateHttpClient(Tokens.Create("alice"));
        var created = await owner.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Doomed"), RedisTestCluster.Json);
        var roomId = (await created.Content.ReadFromJsonAsync<CreateRoomResponse>(RedisTestCluster.Json))!.RoomId;
        await using var alice = await survivor.JoinAsync("alice", roomId);
        var peers = new List<TestPeer>();
        for (var i = 0; i < 3; i++)
        {
            peers.Add(await doomed.JoinAsync($"peer-{i}", roomId));
            await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined), p => p.PeerId == $"peer-{i}");
        }

        await doomed.KillAsync();
        var clock = Stopwatch.StartNew();
        using var deleted = await owner.DeleteAsync(new Uri($"/api/rooms/{roomId}", UriKind.Relative));
        var took = clock.Elapsed;

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(RoomClosedReason.Deleted, (await alice.Next<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed))).Reason);
        // Before the fix: one backplane acknowledgement timeout (10 s) per member on the dead instance.
        Assert.True(took < TimeSpan.FromSeconds(5), $"DELETE took {took}: it waited on the dead instance");
        output.WriteLine($"room with 3 members on a just-killed instance deleted in {took.TotalMilliseconds:F0} ms");
        foreach (var peer in peers)
        {
            await peer.DisposeAsync();
        }
    }
}
