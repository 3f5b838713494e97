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
        if (!_inner.TryParseMessage(ref input, binder, out message))
        {
            return false;
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

    public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

    /// <summary>Only the serializer's own description is echoed: it names the JSON path, never server internals.</summary>
    private static string Describe(Exception error) => error switch
    {
        JsonException json => json.Message,
        InvalidDataException data => data.Message,
        _ => "the arguments could not be read",
    };
}
