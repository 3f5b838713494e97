using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Signaling.Contracts;

namespace Signaling.Hub.Hubs;

/// <summary>
/// SignalR's JSON protocol with one change: an invocation whose arguments do not bind (wrong
/// types, wrong count, unknown method) is routed to <see cref="SignalingHub.InvalidInvocationMethod"/>,
/// so the caller gets <c>INVALID_ARGUMENT</c> through the same error filter as every other refusal
/// instead of SignalR's generic text. And on the way out, a refusal's error text loses the prefix
/// SignalR puts before a <c>HubException</c> message, so it starts with the code as the protocol promises.
/// </summary>
public sealed class BindingFailureProtocol(IOptions<JsonHubProtocolOptions> options) : IHubProtocol
{
    private readonly JsonHubProtocol _inner = new(options);

    public string Name => _inner.Name;

    public int Version => _inner.Version;

    public TransferFormat TransferFormat => _inner.TransferFormat;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        // The inner parser moves past the frame before it reads it, so a failure is located from here.
        var frameStart = input;
        try
        {
            if (!_inner.TryParseMessage(ref input, binder, out message))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException or ArgumentException or FormatException)
        {
            // SignalR would close the connection over one unreadable frame (nesting beyond the
            // reader's depth, a lone surrogate, not JSON at all). The frame is complete (the inner
            // parser only reads up to a record separator), so skip just that frame and answer it.
            input = frameStart;
            message = Unreadable(ref input, ex);
            return true;
        }

        if (message is InvocationBindingFailureMessage failure && failure.InvocationId is not null)
        {
            var error = failure.BindingFailure.SourceException;
            var unknown = error is HubException && error.Message.Contains("does not exist", StringComparison.Ordinal);
            message = new InvocationMessage(failure.InvocationId, SignalingHub.InvalidInvocationMethod, [failure.Target, unknown, Describe(error)]);
        }

        return true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(WithBareCode(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(WithBareCode(message));

    /// <summary>"An unexpected error occurred invoking 'X' on the server. HubException: ROOM_FULL: …" becomes "ROOM_FULL: …".</summary>
    private static HubMessage WithBareCode(HubMessage message)
    {
        if (message is not CompletionMessage { Error: { } error } completion)
        {
            return message;
        }

        var at = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            return message;
        }

        var bare = error[(at + HubExceptionMarker.Length)..];
        return ErrorCodes.Parse(bare) is { } code && bare.StartsWith(code, StringComparison.Ordinal)
            ? CompletionMessage.WithError(completion.InvocationId!, bare)
            : message;
    }

    private const string HubExceptionMarker = " HubException: ";

    private const byte RecordSeparator = 0x1e;

    /// <summary>
    /// Consumes the frame that failed to parse. A caller waiting on an invocation id gets
    /// <c>INVALID_ARGUMENT</c>; a frame with none has nobody to answer and becomes a ping, which the
    /// hub ignores, so the frames after it in the same read are still processed.
    /// </summary>
    private static HubMessage Unreadable(ref ReadOnlySequence<byte> input, Exception error)
    {
        var end = input.PositionOf(RecordSeparator);
        var frame = end is { } at ? input.Slice(0, at) : input;
        input = end is { } position ? input.Slice(input.GetPosition(1, position)) : input.Slice(input.End);
        var (invocationId, target) = ReadAddress(frame);
        return invocationId is null
            ? PingMessage.Instance
            : new InvocationMessage(invocationId, SignalingHub.InvalidInvocationMethod,
                [target ?? "", false, $"the message could not be read ({Describe(error)})"]);
    }

    /// <summary>Reads only the top-level <c>invocationId</c> and <c>target</c>, skipping every other value however deep.</summary>
    private static (string? InvocationId, string? Target) ReadAddress(ReadOnlySequence<byte> frame)
    {
        string? invocationId = null, target = null;
        try
        {
            var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = ProtocolLimits.MaxHubMessageBytes });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && name is "invocationId" or "target")
                {
                    var value = reader.GetString();
                    if (value is { Length: <= ProtocolLimits.MaxIdLength })
                    {
                        (invocationId, target) = name == "invocationId" ? (value, target) : (invocationId, value);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Whatever was read before the broken part still addresses the answer.
        }

        return (invocationId, target);
    }

    public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

    /// <summary>Only the serializer's own description is echoed: it names the JSON path, never server internals.</summary>
    private static string Describe(Exception error) => error switch
    {
        JsonException json => json.Message,
        InvalidOperationException or ArgumentException or FormatException => error.Message,
        InvalidDataException data => data.Message,
        _ => "the arguments could not be read",
    };
}
