using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>A peer that stops reading: bounded buffers stop the flood, and it is cut off instead of stalling the sender.</summary>
public sealed class SlowConsumerTests : IDisposable
{
    private const int SdpBytes = 60 * 1024;

    private readonly SignalingApplication _app = new(new Dictionary<string, string?>
    {
        ["Signaling:Rooms:RelaySendTimeout"] = "00:00:01",
        // This test floods on purpose: the per-connection rate limit is not what it is about.
        ["Signaling:RateLimits:HubPermitsPerSecond"] = "100000",
        ["Signaling:RateLimits:HubBurst"] = "100000",
    });

    [Fact]
    public async Task A_peer_that_stops_reading_is_disconnected_after_a_bounded_backlog_and_the_sender_carries_on()
    {
        await using var sender = await _app.JoinAsync("sender", "flood");
        await using var bystander = await _app.JoinAsync("bystander", "flood");
        // Joins, then never reads again.
        using var stalled = await RawHubClient.ConnectAsync(_app, Tokens.Create("stalled"));
        await stalled.InvokeRawAsync("JoinRoom", """[{"roomId":"flood"}]""");
        await sender.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined), p => p.PeerId == "stalled");

        var sdp = new string('a', SdpBytes);
        long accepted = 0;
        Signaling.Client.SignalingException? refusal = null;
        // 64 MB offered: far more than the socket and pipe buffers together, so the loop ends by refusal.
        for (var i = 0; i < 1024 && refusal is null; i++)
        {
            try
            {
                await sender.Client.Offer(new SdpMessage("flood", "stalled", sdp)).WaitAsync(Timeouts.Default);
                accepted += SdpBytes;
            }
            catch (Signaling.Client.SignalingException ex)
            {
                refusal = ex;
            }
        }

        Assert.NotNull(refusal);
        Assert.Equal(ErrorCodes.PeerNotFound, refusal.Code);
        // What the server took for the stalled peer is bounded by its buffers (pipe 512 KiB plus the
        // kernel's socket buffers), not by what the sender offered.
        Assert.InRange(accepted, 1, 32L * 1024 * 1024);

        var left = await sender.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        Assert.Equal(("stalled", PeerLeftReason.Disconnected), (left.PeerId, left.Reason));
        await sender.Client.Offer(new SdpMessage("flood", "bystander", "v=0 still here"));
        Assert.Equal("v=0 still here", (await bystander.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
    }

    public void Dispose() => _app.Dispose();
}
