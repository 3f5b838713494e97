using System.Buffers;
using System.Text.Json;
using MessagePack;
using Microsoft.AspNetCore.SignalR.Protocol;
using Signaling.Contracts;

namespace Signaling.Hub.Hubs;

/// <summary>
/// MessagePack hub protocol frames are a length (a varint of at most 5 bytes) and that many bytes
/// holding one array: <c>[type, headers, invocationId, target, arguments, streamIds?]</c>.
/// </summary>
public sealed class MessagePackFrames : HubFrames
{
    public static readonly MessagePackFrames Instance = new();

    private const int MaxLengthPrefixBytes = 5;

    public override bool IsUnreadable(Exception exception) =>
        exception is MessagePackSerializationException or InvalidDataException or EndOfStreamException;

    public override bool TrySkip(ref ReadOnlySequence<byte> input, out FrameAddress address)
    {
        address = default;
        if (!TryReadLength(input, out var prefix, out var length) || input.Length - prefix < length)
        {
            return false;
        }

        var frame = input.Slice(prefix, length);
        input = input.Slice(prefix + length);
        address = ReadAddress(frame);
        return true;
    }

    /// <summary>
    /// SignalR's own text names the argument ("Error binding argument 1 ..."); what the formatters
    /// found wrong, with the member's path, is the innermost exception.
    /// </summary>
    public override string Describe(Exception exception)
    {
        var cause = exception.GetBaseException();
        return cause == exception || cause is not (MessagePackSerializationException or JsonException or InvalidDataException or EndOfStreamException)
            ? exception.Message
            : $"{exception.Message} {cause.Message}";
    }

    private static bool TryReadLength(ReadOnlySequence<byte> input, out int prefix, out long length)
    {
        length = 0;
        prefix = 0;
        foreach (var b in input.Slice(0, Math.Min(input.Length, MaxLengthPrefixBytes)).ToArray())
        {
            length |= (long)(b & 0x7f) << (7 * prefix);
            prefix++;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The invocation id and target of an invocation frame, as far as they can be read.</summary>
    private static FrameAddress ReadAddress(ReadOnlySequence<byte> frame)
    {
        string? invocationId = null, target = null;
        try
        {
            // Past the array header by hand: the reader's own refuses an array that claims more items
            // than the frame holds, before any of them is read.
            var header = frame.IsEmpty ? 0 : frame.FirstSpan[0] switch
            {
                >= 0x90 and <= 0x9f => 1,
                0xdc => 3,
                0xdd => 5,
                _ => 0,
            };
            if (header == 0 || frame.Length <= header)
            {
                return default;
            }

            var reader = new MessagePackReader(frame.Slice(header));
            if (reader.ReadInt32() is not (HubProtocolConstants.InvocationMessageType or HubProtocolConstants.StreamInvocationMessageType))
            {
                return default;
            }

            reader.Skip();
            invocationId = Bounded(reader.ReadString());
            target = Bounded(reader.ReadString());
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException)
        {
            // Whatever was read before the broken part still addresses the answer.
        }

        return new FrameAddress(invocationId, target);
    }

    private static string? Bounded(string? value) => value is { Length: > 0 and <= ProtocolLimits.MaxIdLength } ? value : null;
}
