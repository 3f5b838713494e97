using Microsoft.AspNetCore.SignalR.Client;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>Bad input gets a code, and the sender's connection keeps working afterwards.</summary>
public sealed class ValidationTests : IAsyncLifetime
{
    private readonly SignalingApplication _app = new();
    private TestPeer _alice = null!;
    private TestPeer _bob = null!;

    public async Task InitializeAsync()
    {
        _alice = await _app.JoinAsync("alice", "room");
        _bob = await _app.JoinAsync("bob", "room");
    }

    public static TheoryData<string, string> BadRoomIds => new()
    {
        { "empty", "" },
        { "space", "two words" },
        { "slash", "../etc/passwd" },
        { "too long", new string('r', ProtocolLimits.MaxIdLength + 1) },
        { "unicode", "café" },
        { "newline", "a\nb" },
    };

    [Theory]
    [MemberData(nameof(BadRoomIds))]
    public async Task Invalid_room_ids_are_refused(string kind, string roomId)
    {
        var ex = await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => _alice.Client.JoinRoom(new JoinRoomRequest(roomId)));
        Assert.False(string.IsNullOrEmpty(kind + ex.Message));
        await AliceStillWorks();
    }

    [Fact]
    public async Task Oversize_fields_get_payload_too_large()
    {
        var sdp = new string('s', ProtocolLimits.MaxSdpBytes + 1);
        await ErrorAssert.Code(ErrorCodes.PayloadTooLarge, () => _alice.Client.Offer(new SdpMessage("room", "bob", sdp)));
        // Multi-byte characters count by their UTF-8 size, not their length.
        var wide = new string('é', (ProtocolLimits.MaxSdpBytes / 2) + 1);
        await ErrorAssert.Code(ErrorCodes.PayloadTooLarge, () => _alice.Client.Answer(new SdpMessage("room", "bob", wide)));
        var candidate = new IceCandidateInit(new string('c', ProtocolLimits.MaxCandidateBytes + 1));
        await ErrorAssert.Code(ErrorCodes.PayloadTooLarge, () => _alice.Client.IceCandidate(new IceCandidateMessage("room", "bob", candidate)));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument,
            () => _alice.Client.JoinRoom(new JoinRoomRequest("room", DisplayName: new string('n', ProtocolLimits.MaxDisplayNameLength + 1))));

        await AliceStillWorks();
    }

    [Fact]
    public async Task Arguments_that_do_not_bind_get_invalid_argument()
    {
        var connection = _alice.Client.Connection;
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeAsync<object>(nameof(IRoomHub.JoinRoom), 42)));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeAsync<object>(nameof(IRoomHub.Offer), new { roomId = "room", toPeerId = "bob", sdp = 5 })));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeCoreAsync<object>(nameof(IRoomHub.JoinRoom), [])));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeAsync<object>(nameof(IRoomHub.LeaveRoom), "room", "extra")));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeAsync<object>("NoSuchMethod")));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeAsync<object>(nameof(IRoomHub.JoinRoom), (object?)null)));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeAsync<object>(nameof(IRoomHub.JoinRoom), new { displayName = "no room id" })));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => Wrap(connection.InvokeAsync<object>(nameof(IRoomHub.Offer), new { roomId = "room", toPeerId = "bob" })));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument,
            () => Wrap(connection.InvokeAsync<object>(nameof(IRoomHub.UpdateMediaState), new { roomId = "room", mediaState = "loud" })));

        // None of it reached Bob: the first offer he sees is the one sent after all of the above.
        await _alice.Client.Offer(new SdpMessage("room", "bob", "control"));
        Assert.Equal("control", (await _bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
        await AliceStillWorks();
    }

    [Fact]
    public async Task A_message_over_the_hub_limit_closes_only_the_sender()
    {
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _alice.Client.Connection.Closed += ex => { closed.TrySetResult(ex); return Task.CompletedTask; };

        var huge = new string('h', ProtocolLimits.MaxHubMessageBytes + 1024);
        _ = _alice.Client.Connection.SendAsync(nameof(IRoomHub.Offer), new SdpMessage("room", "bob", huge));
        await closed.Task.WaitAsync(Timeouts.Default);

        Assert.Equal(PeerLeftReason.Disconnected, (await _bob.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft))).Reason);
        Assert.Empty(_bob.Pending(nameof(ISignalingClient.Offer)));
        await _bob.Client.Ping();
    }

    private async Task AliceStillWorks()
    {
        await _alice.Client.Offer(new SdpMessage("room", "bob", "still connected"));
        Assert.Equal("still connected", (await _bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer), m => m.Sdp == "still connected")).Sdp);
    }

    /// <summary>Raw invocations bypass the typed client, so map their HubException the way it does.</summary>
    private static async Task Wrap(Task call)
    {
        try
        {
            await call;
        }
        catch (Microsoft.AspNetCore.SignalR.HubException ex)
        {
            throw Signaling.Client.SignalingException.From(ex);
        }
    }

    public async Task DisposeAsync()
    {
        await _alice.DisposeAsync();
        await _bob.DisposeAsync();
        _app.Dispose();
    }
}
