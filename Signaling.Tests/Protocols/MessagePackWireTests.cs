using System.Text.Json;
using MessagePack;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Contracts.Serialization;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Protocols;

/// <summary>
/// What the server writes over MessagePack, read as a client without the contract's formatters reads
/// it (a JavaScript client decodes maps to plain objects): the same member names, enum strings,
/// nulls and values as the JSON protocol's rendering of the same payload.
/// </summary>
public sealed class MessagePackWireTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    [Fact]
    public async Task Every_result_and_event_reads_as_its_JSON_rendering()
    {
        // An admin's request ends while it is away, so it has a notification with a status waiting.
        var adminToken = Tokens.Create("mia", name: "Mia", roles: ["admin"], org: "acme");
        var deviceToken = Tokens.Create("device", name: "Kiosk", roles: ["client"], org: "acme");
        var away = await OfficialClient.ConnectAsync(_app, adminToken, protocol: OfficialClient.MessagePack);
        var seen = away.Expect<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), 2);
        await (await OfficialClient.ConnectAsync(_app, deviceToken)).DisposeAsync();
        Assert.Equal([ClientStatus.Online, ClientStatus.Offline], (await seen).Select(e => e.Status));
        var queued = await away.Invoke<ConnectRequestResult>(nameof(IAdminHub.AdminConnectRequest),
            new AdminConnectRequestArgs("device", JsonSerializer.SerializeToElement(new { sdp = "v=0" }), ConnectPriority.Urgent));
        Assert.Equal(ConnectDispatchStatus.Queued, queued.Status);
        await MessagePackAdminTests.DisconnectAsync(_app, away);
        var device = OfficialClient.Create(_app, deviceToken);
        var delivered = device.Expect<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest), 1);
        await device.StartAsync();
        await using var _ = device;
        await device.Invoke(nameof(IAdminHub.RespondToConnectRequest), new RespondToConnectRequestArgs(Assert.Single(await delivered).RequestId, false, Reason: "busy"));

        await using var jay = await OfficialClient.ConnectAsync(_app, Tokens.Create("jay"));
        await jay.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("w"));
        using var mia = new WireClient(await RawHubClient.ConnectAsync(_app, adminToken, "messagepack"));

        var pending = await mia.Event(nameof(ISignalingClient.PendingNotifications));
        Assert.Contains(""""status":"declined"""", pending, StringComparison.Ordinal);
        Assert.Contains(queued.RequestId, pending, StringComparison.Ordinal);

        await mia.Call<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("w", "Mia", new MediaState(true),
            new Dictionary<string, JsonElement> { ["nested"] = JsonSerializer.SerializeToElement(new { a = new object?[] { 1, "x", null, 2.5, false } }) }));
        await mia.Call<PeerInfo>(nameof(IRoomHub.UpdateUserData), new UpdateUserDataRequest("w", new Dictionary<string, JsonElement> { ["k"] = JsonSerializer.SerializeToElement("v") }));
        await mia.Call<PingResult>(nameof(IRoomHub.Ping));

        await using var kim = await OfficialClient.ConnectAsync(_app, Tokens.Create("kim"));
        await kim.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("w"));
        Assert.Contains(""""peerId":"kim"""", await mia.Event(nameof(ISignalingClient.PeerJoined)), StringComparison.Ordinal);
        await kim.Invoke(nameof(IRoomHub.Offer), new SdpMessage("w", "mia", "v=0\r\n"));
        await mia.Event(nameof(ISignalingClient.Offer));
        await kim.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage("w", "mia", new IceCandidateInit("candidate:1", "0", 0, "uf")));
        await mia.Event(nameof(ISignalingClient.IceCandidate));
        await kim.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage("w", "mia", null));
        Assert.Contains(""""candidate":null"""", await mia.Event(nameof(ISignalingClient.IceCandidate)), StringComparison.Ordinal);
        await kim.Invoke(nameof(IRoomHub.UpdateMediaState), new UpdateMediaStateRequest("w", new MediaState(Video: true)));
        await mia.Event(nameof(ISignalingClient.PeerUpdated));
        await kim.DisposeAsync();
        Assert.Contains(""""reason":"disconnected"""", await mia.Event(nameof(ISignalingClient.PeerLeft)), StringComparison.Ordinal);

        var sent = await mia.Call<ConnectRequestResult>(nameof(IAdminHub.AdminConnectRequest), new AdminConnectRequestArgs("device", JsonSerializer.SerializeToElement("text"), ConnectPriority.High));
        Assert.Contains(""""status":"sent"""", sent, StringComparison.Ordinal);
        await mia.Call<IReadOnlyList<ClientSummary>>(nameof(IAdminHub.GetClients));
        Assert.Contains(""""type":"request_declined"""", await mia.Call<ClientHistory>(nameof(IAdminHub.GetClientHistory), "device"), StringComparison.Ordinal);
        await device.DisposeAsync();
        Assert.Contains(""""status":"offline"""", await mia.Event(nameof(ISignalingClient.ClientStatusChanged)), StringComparison.Ordinal);

        using var http = _app.CreateHttpClient(Tokens.Create("jay"));
        (await http.DeleteAsync("/api/rooms/w")).EnsureSuccessStatusCode();
        Assert.Contains(""""reason":"deleted"""", await mia.Event(nameof(ISignalingClient.RoomClosed)), StringComparison.Ordinal);
    }

    /// <summary>A raw MessagePack connection that checks every payload it reads against its JSON rendering.</summary>
    private sealed class WireClient(RawHubClient raw) : IDisposable
    {
        private readonly Queue<byte[]> _events = new();
        private int _nextId;

        /// <summary>Invokes <paramref name="method"/>; the result as the wire has it, in JSON.</summary>
        public async Task<string> Call<TResult>(string method, params object[] arguments)
        {
            var id = (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await raw.SendFramesAsync(RawHubClient.MessagePackInvocation(id, method,
                [.. arguments.Select(a => MessagePackSerializer.Serialize(a.GetType(), a, SignalingMessagePack.SerializerOptions))]));
            var message = await Next(type => type == 3);
            var reader = new MessagePackReader(message);
            reader.ReadArrayHeader();
            reader.Skip();
            reader.Skip();
            Assert.Equal(id, reader.ReadString());
            var kind = reader.ReadInt32();
            Assert.True(kind == 3, $"{method}: {(kind == 1 ? reader.ReadString() : "no result")}");
            return SameAsJson(typeof(TResult), Rest(ref reader, message));
        }

        /// <summary>The next event named <paramref name="target"/> (others are checked and skipped), in JSON.</summary>
        public async Task<string> Event(string target)
        {
            while (true)
            {
                var message = await Next(type => type == 1);
                var reader = new MessagePackReader(message);
                reader.ReadArrayHeader();
                reader.Skip();
                reader.Skip();
                reader.Skip();
                var name = reader.ReadString()!;
                Assert.Equal(1, reader.ReadArrayHeader());
                var parameter = typeof(ISignalingClient).GetMethod(name)!.GetParameters().Single().ParameterType;
                var json = SameAsJson(parameter, Rest(ref reader, message));
                if (name == target)
                {
                    return json;
                }
            }
        }

        /// <summary>The next message of the wanted type; events read while waiting for a completion are kept for <see cref="Event"/>.</summary>
        private async Task<byte[]> Next(Func<int, bool> wanted)
        {
            if (wanted(1) && _events.TryDequeue(out var kept))
            {
                return kept;
            }

            while (true)
            {
                var message = await raw.ReceiveFrameAsync();
                var reader = new MessagePackReader(message);
                reader.ReadArrayHeader();
                var type = reader.ReadInt32();
                if (wanted(type))
                {
                    return message;
                }

                if (type == 1)
                {
                    _events.Enqueue(message);
                }
            }
        }

        private static byte[] Rest(ref MessagePackReader reader, byte[] message) => message[(int)reader.Consumed..];

        /// <summary>
        /// The payload read without the contract's formatters (as plain maps, arrays and scalars) must
        /// equal the JSON protocol's rendering of the payload it stands for.
        /// </summary>
        private static string SameAsJson(Type type, byte[] payload)
        {
            var wire = JsonSerializer.Deserialize<JsonElement>(MessagePackSerializer.ConvertToJson(payload));
            var value = MessagePackSerializer.Deserialize(type, payload, SignalingMessagePack.SerializerOptions);
            var json = JsonSerializer.SerializeToElement(value, type, JsonSerializerOptions.Web);
            Assert.True(JsonElement.DeepEquals(json, wire), $"{type.Name}\n over MessagePack: {wire}\n over JSON: {json}");
            return wire.GetRawText();
        }

        public void Dispose() => raw.Dispose();
    }

    public void Dispose() => _app.Dispose();
}
