using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MessagePack;
using Signaling.Contracts;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// The SignalR hub protocol spoken by hand over a WebSocket, for what a well-behaved client
/// library never sends: arbitrary JSON or MessagePack, broken frames, or a client that stops reading.
/// </summary>
public sealed class RawHubClient : IDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly StringBuilder _pending = new();
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly List<byte> _binary = [];
    private int _nextId;

    private RawHubClient()
    {
    }

    public WebSocketState State => _socket.State;

    /// <summary>Connects over a WebSocket and completes the handshake for <paramref name="protocol"/> (the handshake itself is JSON either way).</summary>
    public static async Task<RawHubClient> ConnectAsync(ISignalingHost host, string token, string protocol = "json")
    {
        var client = new RawHubClient();
        var uri = new UriBuilder(host.BaseAddress) { Scheme = "ws", Path = SignalingRoutes.Hub, Query = $"access_token={token}" }.Uri;
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        await client.SendRawAsync($$"""{"protocol":"{{protocol}}","version":1}""" + RecordSeparator);
        JsonElement handshake;
        if (protocol == "json")
        {
            handshake = await client.ReceiveMessageAsync();
        }
        else
        {
            // The first binary messages may share the handshake's WebSocket frame: they stay in the byte buffer.
            var end = await client.BufferUntilAsync(b => b.IndexOf((byte)RecordSeparator));
            handshake = JsonSerializer.Deserialize<JsonElement>(client._binary.GetRange(0, end).ToArray());
            client._binary.RemoveRange(0, end + 1);
        }

        if (handshake.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"handshake refused: {error}");
        }

        return client;
    }

    /// <summary>Sends one frame exactly as given (the caller adds separators, or breaks them).</summary>
    public Task SendRawAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text));

    public Task SendRawAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text) =>
        _socket.SendAsync(bytes, type, true, CancellationToken.None);

    /// <summary>Why the server closed the socket, once it has.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Invokes <paramref name="target"/> with arguments given as raw JSON and returns its completion message.</summary>
    public async Task<JsonElement> InvokeRawAsync(string target, string argumentsJson)
    {
        var id = (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendRawAsync($$"""{"type":1,"invocationId":"{{id}}","target":{{JsonSerializer.Serialize(target)}},"arguments":{{argumentsJson}}}""" + RecordSeparator);
        while (true)
        {
            var message = await ReceiveMessageAsync();
            if (message.GetProperty("type").GetInt32() == 3 && message.GetProperty("invocationId").GetString() == id)
            {
                return message;
            }

            if (message.GetProperty("type").GetInt32() == 7)
            {
                throw new InvalidOperationException($"the server closed the connection: {message}");
            }
        }
    }

    /// <summary>The next hub message (invocations, completions, pings and closes alike).</summary>
    public async Task<JsonElement> ReceiveMessageAsync()
    {
        using var timeout = new CancellationTokenSource(Timeouts.Default);
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf(RecordSeparator, StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 1);
                using var document = JsonDocument.Parse(text[..end]);
                return document.RootElement.Clone();
            }

            var result = await _socket.ReceiveAsync(_buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the server closed the socket");
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, result.Count));
        }
    }

    /// <summary>A MessagePack invocation, <c>[1, {}, id, target, [arguments]]</c>, with each argument given already encoded.</summary>
    public static byte[] MessagePackInvocation(string id, string target, params byte[][] arguments)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(5);
        writer.Write(1);
        writer.WriteMapHeader(0);
        writer.Write(id);
        writer.Write(target);
        writer.WriteArrayHeader(arguments.Length);
        foreach (var argument in arguments)
        {
            writer.WriteRaw(argument);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends MessagePack hub messages in one WebSocket message, each behind its varint length prefix.</summary>
    public Task SendFramesAsync(params byte[][] payloads)
    {
        var message = new List<byte>();
        foreach (var payload in payloads)
        {
            for (var length = (uint)payload.Length; ; length >>= 7)
            {
                message.Add((byte)(length < 0x80 ? length : (length & 0x7f) | 0x80));
                if (length < 0x80)
                {
                    break;
                }
            }

            message.AddRange(payload);
        }

        return SendRawAsync([.. message], WebSocketMessageType.Binary);
    }

    /// <summary>The payload of the next MessagePack hub message.</summary>
    public async Task<byte[]> ReceiveFrameAsync()
    {
        var (prefix, length) = (0, 0);
        await BufferUntilAsync(bytes =>
        {
            (prefix, length) = (0, 0);
            while (prefix < bytes.Count && prefix < 5)
            {
                var b = bytes[prefix];
                length |= (b & 0x7f) << (7 * prefix++);
                if ((b & 0x80) == 0)
                {
                    return bytes.Count - prefix >= length ? 0 : -1;
                }
            }

            return -1;
        });
        var payload = _binary.GetRange(prefix, length).ToArray();
        _binary.RemoveRange(0, prefix + length);
        return payload;
    }

    /// <summary>Receives bytes until <paramref name="complete"/> finds what it needs in them (a result of 0 or more).</summary>
    private async Task<int> BufferUntilAsync(Func<List<byte>, int> complete)
    {
        using var timeout = new CancellationTokenSource(Timeouts.Default);
        while (true)
        {
            var found = complete(_binary);
            if (found >= 0)
            {
                return found;
            }

            var result = await _socket.ReceiveAsync(_buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the server closed the socket");
            }

            _binary.AddRange(_buffer.AsSpan(0, result.Count));
        }
    }

    public void Dispose() => _socket.Dispose();
}
