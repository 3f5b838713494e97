using System.Text.Json;
using Signaling.Client;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;

namespace DotNetClient;

/// <summary>The device's reactions to what the hub pushes; every event is printed as one line.</summary>
internal sealed class Device(SignalingClient client, ClientOptions options)
{
    // One line per event, "<event> <details>": easy to read and easy for scripts to wait on.
    public static void Log(string what, string detail) =>
        Console.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff} {what} {detail}");

    public void Subscribe()
    {
        client.OnConnectRequest(OnConnectRequestAsync);
        client.OnPeerJoined(p => Log("peer-joined", $"{p.PeerId} ({p.DisplayName}) in {p.RoomId}"));
        client.OnPeerLeft(e => Log("peer-left", $"{e.PeerId} from {e.RoomId}: {e.Reason}"));
        client.OnOffer(OnOfferAsync);
        client.OnAnswer(e => Log("answer", $"from {e.FromPeerId}: {Shorten(e.Sdp)}"));
        client.OnIceCandidate(e => Log("ice-candidate", $"from {e.FromPeerId}: {e.Candidate?.Candidate ?? "end-of-candidates"}"));
        client.OnSessionReplaced(e => Log("session-replaced", e.RoomId));
        client.OnRoomClosed(e => Log("room-closed", $"{e.RoomId}: {e.Reason}"));
        client.OnServerShutdown(e => Log("server-shutdown", $"{e.Message} (reconnect after {e.ReconnectAfterMs} ms)"));
        client.Reconnecting += error =>
        {
            Log("reconnecting", error?.Message ?? "");
            return Task.CompletedTask;
        };
        // A reconnect is a new connection: the hub has marked us inactive in the room, so join again.
        client.Reconnected += async connectionId =>
        {
            Log("reconnected", $"{options.ClientId} as connection {connectionId}");
            await JoinRoomAsync(CancellationToken.None);
        };
        client.Closed += error =>
        {
            Log("closed", error?.Message ?? "");
            return Task.CompletedTask;
        };
    }

    public async Task JoinRoomAsync(CancellationToken cancellationToken)
    {
        if (options.Room is null)
        {
            return;
        }

        var joined = await client.JoinRoom(new JoinRoomRequest(options.Room, options.Name), cancellationToken);
        var active = joined.Peers.Where(p => p.IsActive).Select(p => p.PeerId).ToList();
        // Printed with its wire name (p2p, sfu), as the protocol documents it.
        var mode = JsonSerializer.Serialize(joined.ConnectionMode).Trim('"');
        Log("joined", $"{joined.RoomId} as {joined.PeerId} ({mode}), active: [{string.Join(", ", active)}]");
        if (!options.Relay)
        {
            return;
        }

        foreach (var peerId in active)
        {
            await client.Offer(new SdpMessage(joined.RoomId, peerId, ScriptedSdp("offer")), cancellationToken);
            Log("offer-sent", peerId);
        }
    }

    private async Task OnConnectRequestAsync(ConnectRequestEvent e)
    {
        Log("connect-request", $"{e.RequestId} from {e.AdminId} ({e.AdminName}), {e.Priority}{(e.WasQueued ? ", was queued" : "")}: {e.OfferData.GetRawText()}");
        if (options.Accept is not { } accept)
        {
            return;
        }

        var answer = accept ? JsonSerializer.SerializeToElement(new { device = options.ClientId, ready = true }) : (JsonElement?)null;
        try
        {
            await client.RespondToConnectRequest(new RespondToConnectRequestArgs(e.RequestId, accept, answer, accept ? null : "declined by DotNetClient"));
            Log(accept ? "accepted" : "declined", e.RequestId);
        }
        catch (SignalingException error)
        {
            // Cancelled or expired in the meantime: the admin already knows, nothing to undo here.
            Log("respond-failed", $"{e.RequestId}: {error.Code} {error.Message}");
        }
    }

    private async Task OnOfferAsync(RelayedSdp e)
    {
        Log("offer", $"from {e.FromPeerId}: {Shorten(e.Sdp)}");
        if (options.Relay)
        {
            await client.Answer(new SdpMessage(e.RoomId, e.FromPeerId, ScriptedSdp("answer")));
            Log("answer-sent", e.FromPeerId);
        }
    }

    // Not a real session description: this sample shows the relay, it has no media stack.
    private string ScriptedSdp(string kind) => $"v=0\r\no={options.ClientId} 0 0 IN IP4 127.0.0.1\r\ns=scripted {kind}\r\nt=0 0\r\n";

    private static string Shorten(string sdp) => sdp.Length <= 60 ? sdp.ReplaceLineEndings(" ") : sdp[..60].ReplaceLineEndings(" ") + "…";
}
